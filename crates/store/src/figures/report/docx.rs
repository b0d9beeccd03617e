//! The report as a Word document: the Markdown of `markdown.rs` (headings, paragraphs,
//! pipe tables) written as minimal WordprocessingML in a zip package. Hand-written
//! rather than through a docx crate: it needs four small XML parts, and the `zip`
//! crate is already built for the xlsx reader and writer.

use super::markdown::{Block, blocks};
use crate::{Result, StoreError};
use std::io::Write;
use zip::write::SimpleFileOptions;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn run(text: &str, bold: bool) -> String {
    format!(
        "<w:r>{}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
        if bold { "<w:rPr><w:b/></w:rPr>" } else { "" },
        esc(text)
    )
}

fn body(md: &str) -> String {
    let mut b = String::new();
    for block in blocks(md) {
        match block {
            Block::Heading(level, text) => b.push_str(&format!(
                "<w:p><w:pPr><w:pStyle w:val=\"Heading{level}\"/></w:pPr>{}</w:p>",
                run(&text, false)
            )),
            Block::Paragraph(text) => b.push_str(&format!(
                "<w:p><w:pPr><w:pStyle w:val=\"BodyText\"/></w:pPr>{}</w:p>",
                run(&text, false)
            )),
            Block::Table { rows, right } => {
                let cols = rows.first().map(Vec::len).unwrap_or(0).max(1);
                let width = 9000 / cols;
                b.push_str(
                    "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"5000\" w:type=\"pct\"/></w:tblPr><w:tblGrid>",
                );
                for _ in 0..cols {
                    b.push_str(&format!("<w:gridCol w:w=\"{width}\"/>"));
                }
                b.push_str("</w:tblGrid>");
                for (i, row) in rows.iter().enumerate() {
                    b.push_str("<w:tr>");
                    if i == 0 {
                        // Repeat the header row on every page; mark it as a header.
                        b.push_str("<w:trPr><w:tblHeader/></w:trPr>");
                    }
                    for (c, cell) in row.iter().enumerate() {
                        let jc = if i > 0 && right.get(c).copied().unwrap_or(false) {
                            "<w:jc w:val=\"right\"/>"
                        } else {
                            ""
                        };
                        b.push_str(&format!(
                            "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr><w:p><w:pPr>{jc}</w:pPr>{}</w:p></w:tc>",
                            run(cell, i == 0)
                        ));
                    }
                    b.push_str("</w:tr>");
                }
                b.push_str("</w:tbl><w:p/>");
            }
        }
    }
    b
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// 仿宋 for the text and 黑体 for headings, as official documents are set.
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="仿宋" w:cs="Times New Roman"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="360" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="paragraph" w:styleId="BodyText"><w:name w:val="Body Text"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:firstLineChars="200" w:firstLine="480"/><w:jc w:val="both"/></w:pPr><w:qFormat/></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="240"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:eastAsia="黑体"/><w:b/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="200" w:after="120"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:rFonts w:eastAsia="楷体"/><w:b/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style><w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:tblBorders><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>"#;

fn core(title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:language>zh-CN</dc:language><dc:creator>通办政务服务平台</dc:creator></cp:coreProperties>"#,
        esc(title)
    )
}

/// The Markdown `md` as a .docx package.
pub fn document(md: &str) -> Result<Vec<u8>> {
    let title = md
        .lines()
        .find_map(|l| l.trim().strip_prefix("## "))
        .unwrap_or("工作情况");
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>"#,
        body(md)
    );
    let err =
        |e: &dyn std::fmt::Display| StoreError::Other(anyhow::anyhow!("生成 Word 文件失败：{e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let core = core(title);
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        ("word/styles.xml", STYLES),
        ("docProps/core.xml", core.as_str()),
        ("word/document.xml", doc.as_str()),
    ] {
        zip.start_file(name, opts).map_err(|e| err(&e))?;
        zip.write_all(text.as_bytes()).map_err(|e| err(&e))?;
    }
    let cursor = zip.finish().map_err(|e| err(&e))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_headings_paragraphs_and_tables() {
        let md = "## 一、2026年工作情况\n\n共受理办件12件。\n\n| 部门 | 件 |\n|---|---:|\n| 市<局> | 7 |\n";
        let b = body(md);
        assert!(b.contains("Heading1"));
        assert!(b.contains("共受理办件12件。"));
        assert!(b.contains("市&lt;局&gt;"));
        assert!(b.contains("<w:jc w:val=\"right\"/>"));
        assert!(!b.contains("---"));
        let bytes = document(md).expect("docx");
        assert_eq!(&bytes[..2], b"PK");
    }
}
