//! Text messages: kept in the outbox, and handed to the operator's program when the
//! sender is a command; a failing program is a clear "try later", not a crash.

use crate::common::{Db, TestApp};
use std::os::unix::fs::PermissionsExt;
use tongban_domain::codes::Mobile;
use tongban_store::StoreError;
use tongban_store::applicants::SmsSender;

fn script(dir: &std::path::Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn a_command_sender_hands_messages_to_a_program() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sent");
    let ok = script(
        dir.path(),
        "send.sh",
        &format!("cat > {}-$1", out.display()),
    );
    let sender = SmsSender::from_spec(&format!("command:{ok}")).unwrap();
    let phone = Mobile::parse(crate::common::PHONE).unwrap();
    sender.deliver(&phone, "验证码123456").await.unwrap();
    let sent =
        std::fs::read_to_string(format!("{}-{}", out.display(), crate::common::PHONE)).unwrap();
    assert_eq!(sent, "验证码123456");
    let bad = script(dir.path(), "fail.sh", "exit 3");
    let err = SmsSender::from_spec(&format!("command:{bad}"))
        .unwrap()
        .deliver(&phone, "x")
        .await;
    assert!(matches!(err, Err(StoreError::Unavailable(_))), "{err:?}");
    assert!(SmsSender::from_spec("pigeon").is_err());
    assert!(matches!(
        SmsSender::from_spec("outbox").unwrap(),
        SmsSender::Outbox
    ));
}

async fn sign_in_code_goes_through_the_configured_sender(db: Db) {
    let app = TestApp::spawn(db).await;
    let dir = tempfile::tempdir().unwrap();
    let fail = script(dir.path(), "fail.sh", "exit 1");
    let store = app
        .store
        .clone()
        .with_sms(SmsSender::from_spec(&format!("command:{fail}")).unwrap());
    let r = tongban_store::applicants::request_code(
        &store,
        "张三",
        crate::common::ID_NUMBER,
        crate::common::PHONE,
    )
    .await;
    assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
    // Kept in the outbox all the same, for the administrators.
    assert_eq!(
        tongban_store::applicants::outbox(&app.store, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
both!(sign_in_code_goes_through_the_configured_sender);
