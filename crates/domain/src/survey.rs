//! 政府满意度测评: each quarter enterprises score the departments on a questionnaire
//! (questions scored 1 to 5, and a free text per department), each through a
//! one-time link handed out directly or by a distributor (a town's investment
//! service center, a chamber of commerce, the Taiwanese business association).

use crate::supervision::Quarter;
use crate::{Faults, Invalid, required_text};
use serde::Deserialize;
use std::collections::HashMap;

coded_enum! {
    /// Who hands out a batch of links.
    DistributorKind {
        /// 区镇招商服务中心
        Town = ("town", "区镇招商服务中心"),
        /// 商会
        Chamber = ("chamber", "商会"),
        /// 台协会
        Taiwan = ("taiwan", "台协会"),
        /// Others (行业协会…)
        Other = ("other", "其他组织"),
    }
}

/// The most questions a questionnaire has.
pub const MAX_QUESTIONS: usize = 10;
/// The most links issued at once.
pub const MAX_BATCH: u32 = 500;
/// The longest free text an enterprise writes about one department.
pub const MAX_COMMENT: usize = 500;

/// A quarter's questionnaire as an administrator types it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuestionnaireInput {
    #[serde(default)]
    pub quarter: String,
    #[serde(default)]
    pub title: String,
    /// One question a line.
    #[serde(default)]
    pub questions: String,
    /// The departments scored (codes); checked against the known ones by the store.
    #[serde(default)]
    pub departments: Vec<String>,
}

/// A checked questionnaire.
#[derive(Debug, Clone, PartialEq)]
pub struct Questionnaire {
    pub quarter: Quarter,
    pub title: String,
    pub questions: Vec<String>,
    pub departments: Vec<String>,
}

impl QuestionnaireInput {
    /// Every fault at once.
    pub fn check(&self) -> Result<Questionnaire, Vec<Invalid>> {
        let mut f = Faults::default();
        let quarter = f.take(Quarter::parse(&self.quarter));
        let title = f.take(required_text("title", "测评名称", &self.title, 100));
        let questions: Vec<String> = self
            .questions
            .lines()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_string)
            .collect();
        if questions.is_empty() {
            f.push(Invalid::new("questions", "请填写测评问题，每行一个"));
        } else if questions.len() > MAX_QUESTIONS {
            f.push(Invalid::new(
                "questions",
                format!("测评问题不能超过{MAX_QUESTIONS}个"),
            ));
        } else if let Some(q) = questions.iter().find(|q| q.chars().count() > 100) {
            f.push(Invalid::new(
                "questions",
                format!(
                    "问题“{}…”超过100个字",
                    q.chars().take(10).collect::<String>()
                ),
            ));
        }
        let mut departments: Vec<String> = vec![];
        for d in &self.departments {
            let d = d.trim().to_string();
            if !d.is_empty() && !departments.contains(&d) {
                departments.push(d);
            }
        }
        if departments.is_empty() {
            f.push(Invalid::new("departments", "请选择参加测评的部门"));
        }
        f.finish(match (quarter, title) {
            (Some(quarter), Some(title)) => Some(Questionnaire {
                quarter,
                title,
                questions,
                departments,
            }),
            _ => None,
        })
    }
}

/// An enterprise's answers: per department, a score for each question and what it
/// says of the department.
#[derive(Debug, Clone, PartialEq)]
pub struct Answers {
    /// `(department code, scores in question order, free text)`
    pub departments: Vec<(String, Vec<u8>, String)>,
}

/// The form field of a department's score on question `q` (0-based).
pub fn score_field(department: &str, q: usize) -> String {
    format!("s_{department}_{q}")
}

/// The form field of the free text on a department.
pub fn comment_field(department: &str) -> String {
    format!("c_{department}")
}

/// Reads the answers from the submitted form: every department and question
/// scored 1 to 5, each text within bounds; the faults name their fields.
pub fn read_answers(
    departments: &[(String, String)],
    questions: usize,
    form: &HashMap<String, String>,
) -> Result<Answers, Vec<Invalid>> {
    let mut f = Faults::default();
    let mut out = vec![];
    let mut missing = 0;
    for (code, name) in departments {
        let mut scores = vec![];
        for q in 0..questions {
            let v = form
                .get(&score_field(code, q))
                .map(|s| s.trim())
                .unwrap_or("");
            match v.parse::<u8>() {
                Ok(n) if (1..=5).contains(&n) => scores.push(n),
                _ if v.is_empty() => missing += 1,
                _ => f.push(Invalid::new(
                    "scores",
                    format!("对{name}的评分“{v}”无效，应为1至5分"),
                )),
            }
        }
        let text = form
            .get(&comment_field(code))
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if text.chars().count() > MAX_COMMENT {
            f.push(Invalid::new(
                "comments",
                format!("对{name}的意见建议不能超过{MAX_COMMENT}个字"),
            ));
        }
        out.push((code.clone(), scores, text));
    }
    if missing > 0 {
        f.push(Invalid::new(
            "scores",
            format!("还有{missing}项未评分，请对每个部门的每个问题评分"),
        ));
    }
    f.finish(Some(Answers { departments: out }))
}

/// A score on 1 to 5 as points on 100 (5 = 100, 1 = 20).
pub fn points(score_sum: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| 20.0 * score_sum as f64 / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_questionnaire_names_every_fault() {
        let bad = QuestionnaireInput {
            quarter: "2026-Q5".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|i| i.field).collect();
        assert_eq!(fields, ["quarter", "title", "questions", "departments"]);
        let ok = QuestionnaireInput {
            quarter: "2026-q4".into(),
            title: "第四季度政府满意度测评".into(),
            questions: "服务态度\n\n办事效率\n".into(),
            departments: vec!["SJ".into(), " SJ ".into(), "ZJ".into()],
        }
        .check()
        .unwrap();
        assert_eq!(ok.questions, ["服务态度", "办事效率"]);
        assert_eq!(ok.departments, ["SJ", "ZJ"]);
    }

    #[test]
    fn every_department_and_question_is_scored() {
        let depts = vec![("SJ".to_string(), "市场监管局".to_string())];
        let mut form = HashMap::new();
        form.insert(score_field("SJ", 0), "5".to_string());
        let e = read_answers(&depts, 2, &form).unwrap_err();
        assert!(e[0].message.contains("还有1项未评分"), "{e:?}");
        form.insert(score_field("SJ", 1), "9".to_string());
        let e = read_answers(&depts, 2, &form).unwrap_err();
        assert!(e[0].message.contains("“9”无效"), "{e:?}");
        form.insert(score_field("SJ", 1), "4".to_string());
        form.insert(comment_field("SJ"), " 审批太慢 ".to_string());
        let a = read_answers(&depts, 2, &form).unwrap();
        assert_eq!(
            a.departments,
            [("SJ".to_string(), vec![5, 4], "审批太慢".to_string())]
        );
        assert_eq!(points(9, 2), Some(90.0));
    }
}
