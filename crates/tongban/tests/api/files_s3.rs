//! Uploaded files in an S3-compatible object store, against a real S3 API server
//! (moto's, started by the test: `pip install 'moto[server]'`, which scripts/test.sh
//! does), and the `--files` setting of the binary.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use tongban_store::StoreError;
use tongban_store::files::{self, FileStore};

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn moto() -> (Moto, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 with moto is needed for this test: pip install 'moto[server]'");
    let server = Moto(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (server, port);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("moto's S3 server did not start: pip install 'moto[server]'");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_live_in_an_s3_bucket() {
    let (_moto, port) = moto().await;
    let spec = format!("s3+http://testing:testing@127.0.0.1:{port}/tongban-files?region=us-east-1");
    let fs = FileStore::from_spec(&spec).unwrap();
    fs.ensure_bucket().await.unwrap();
    fs.ensure_bucket().await.unwrap();
    let key = fs.put(b"%PDF-1.4 hello").await.unwrap();
    assert_eq!(fs.get(&key).await.unwrap(), b"%PDF-1.4 hello");
    assert!(matches!(
        fs.get("2026/01/nothing").await,
        Err(StoreError::NotFound(_))
    ));

    // Through the store: an applicant's upload lands in the bucket.
    let dir = tempfile::tempdir().unwrap();
    let store = tongban_store::Store::open(
        &format!("sqlite://{}/s3.db", dir.path().display()),
        tongban_store::Keys::from_hex(crate::common::KEY_HEX).unwrap(),
    )
    .await
    .unwrap()
    .with_files(fs.clone());
    let up = files::save(
        &store,
        store.files(),
        "d".repeat(36).as_str(),
        "owner",
        "申请书",
        "a.pdf",
        b"%PDF-1.7 x",
    )
    .await
    .unwrap();
    assert_eq!(
        store.files().get(&up.storage_key).await.unwrap(),
        b"%PDF-1.7 x"
    );
    assert_eq!(
        files::draft_files(&store, &"d".repeat(36), "owner")
            .await
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn storage_settings_are_checked() {
    assert!(FileStore::from_spec("data/objects").is_ok());
    for bad in [
        "s3+http://127.0.0.1:9000/bucket",
        "s3+http://k:s@127.0.0.1:9000/",
        "ftp://x/y",
    ] {
        assert!(FileStore::from_spec(bad).is_err(), "{bad}");
    }
    // The binary refuses to start on a store it cannot reach, and says why.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tongban"))
        .args([
            "serve",
            "--db",
            &format!("sqlite://{}/x.db", dir.path().display()),
            "--listen",
            "127.0.0.1:0",
        ])
        .args(["--files", "s3+http://k:s@127.0.0.1:9/bucket"])
        .env("TONGBAN_KEY", crate::common::KEY_HEX)
        .env("TONGBAN_LOG", "error")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("文件存储不可用"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
