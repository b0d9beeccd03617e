//! 热点诉求: many work orders on one subject at one place (油烟扰民 on 萧林路) are a
//! hot topic. The subject is the order's service (诉求分类) or, failing that, the
//! first service whose keywords its text mentions; the place is the road, street,
//! village or estate its address names, without the city and town in front.

/// Words that end the name of a place an address is about.
const PLACE_ENDINGS: &[&str] = &[
    "小区", "花园", "大道", "公寓", "新村", "广场", "路", "街", "巷", "弄", "村", "苑", "湾", "城",
];

/// Administrative prefixes dropped before the place.
const PREFIX_ENDINGS: &[char] = &['省', '市', '县', '镇', '乡'];

/// The place an address is about: `昆山市玉山镇萧林路88号` → `萧林路`. `None` when
/// the address names no road, street or estate.
pub fn place_of(address: &str) -> Option<String> {
    let mut rest = address.trim();
    // Drop 江苏省 / 苏州市 / 昆山市 / 玉山镇 … as long as one leads the text.
    loop {
        let cut = rest
            .char_indices()
            .take(6)
            .skip(1)
            .find(|(_, c)| PREFIX_ENDINGS.contains(c))
            .map(|(i, c)| i + c.len_utf8());
        match cut {
            Some(i) if i < rest.len() => rest = &rest[i..],
            _ => break,
        }
    }
    for c in ["街道", "开发区", "高新区"] {
        if let Some(i) = rest.find(c)
            && rest[..i].chars().count() <= 6
        {
            rest = &rest[i + c.len()..];
        }
    }
    // The earliest ending wins; the name is what leads up to it.
    let (at, ending) = PLACE_ENDINGS
        .iter()
        .filter_map(|e| rest.find(e).map(|i| (i, *e)))
        .min_by_key(|(i, e)| (*i, std::cmp::Reverse(e.len())))?;
    let name = &rest[..at + ending.len()];
    let chars = name.chars().count();
    if !(2..=12).contains(&chars) || name.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(name.to_string())
}

/// The subject an order's text is about: the first `(name, keywords)` whose name or
/// one of its keywords the text contains.
pub fn subject_of<'a>(text: &str, subjects: &'a [(String, Vec<String>)]) -> Option<&'a str> {
    subjects
        .iter()
        .find(|(name, words)| {
            text.contains(name.as_str())
                || words
                    .iter()
                    .any(|w| !w.is_empty() && text.contains(w.as_str()))
        })
        .map(|(name, _)| name.as_str())
}

/// How a topic moved against the window before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    New,
    Rising,
    Steady,
    Falling,
}

impl Trend {
    pub fn of(now: i64, before: i64) -> Self {
        if before == 0 {
            Self::New
        } else if now * 4 >= before * 5 {
            Self::Rising
        } else if now * 5 <= before * 4 {
            Self::Falling
        } else {
            Self::Steady
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::New => "新出现",
            Self::Rising => "上升",
            Self::Steady => "持平",
            Self::Falling => "下降",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places() {
        assert_eq!(
            place_of("昆山市玉山镇萧林路88号").as_deref(),
            Some("萧林路")
        );
        assert_eq!(
            place_of("江苏省苏州市昆山市前进西路12号玉山花园").as_deref(),
            Some("前进西路")
        );
        assert_eq!(place_of("巴城镇正仪村3组").as_deref(), Some("正仪村"));
        assert_eq!(place_of("世茂蝶湖湾5幢").as_deref(), Some("世茂蝶湖湾"));
        assert_eq!(place_of("玉山镇亭林苑12幢").as_deref(), Some("亭林苑"));
        assert_eq!(place_of("开发区长江北路1号").as_deref(), Some("长江北路"));
        assert_eq!(place_of("不知道"), None);
        assert_eq!(place_of(""), None);
        assert_eq!(place_of("88号路"), None);
    }

    #[test]
    fn subjects() {
        let s = vec![
            (
                "油烟扰民".to_string(),
                vec!["油烟".to_string(), "餐饮".to_string()],
            ),
            ("噪声扰民".to_string(), vec!["噪音".to_string()]),
        ];
        assert_eq!(subject_of("楼下烧烤店油烟直排", &s), Some("油烟扰民"));
        assert_eq!(subject_of("KTV噪音很大", &s), Some("噪声扰民"));
        assert_eq!(subject_of("路灯不亮", &s), None);
    }

    #[test]
    fn trends() {
        assert_eq!(Trend::of(5, 0), Trend::New);
        assert_eq!(Trend::of(10, 5), Trend::Rising);
        assert_eq!(Trend::of(5, 5), Trend::Steady);
        assert_eq!(Trend::of(2, 5), Trend::Falling);
    }
}
