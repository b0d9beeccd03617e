//! What the public and outside systems may see of a person: the one masking every
//! public path uses (the 12345 progress pages, Open311, exports for outside use).
//! Names keep their first character; phone numbers in any written form
//! (`138-1234-5678`, `138 1234 5678`, full-width digits), ID numbers and house
//! numbers (`12号`, `326 号`, `１２号`) are starred. Dates and small counts stay.

/// A name as the public sees it: the first character, the rest starred (张*).
pub fn mask_name(name: &str) -> String {
    let n = name.trim();
    if n.is_empty() || n == "匿名" {
        return "匿名".into();
    }
    let mut chars = n.chars();
    let first = chars.next().unwrap_or('*');
    let rest = chars.count().max(1);
    format!("{first}{}", "*".repeat(rest))
}

/// An address as the public sees it: every number starred (house, building, room).
pub fn mask_address(address: &str) -> String {
    address
        .chars()
        .map(|c| if is_digit(c) { '*' } else { c })
        .collect()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Characters people put between the groups of a phone number.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{3000}' | '-' | '－' | '—' | '–' | '‐')
}

/// What follows a house, building or room number.
fn is_house_unit(c: char) -> bool {
    matches!(
        c,
        '号' | '栋' | '幢' | '室' | '弄' | '单' | '楼' | '座' | '户' | '巷'
    )
}

/// A free text as the public sees it: phone numbers (seven digits or more, however
/// grouped, an area code kept), ID numbers (with a final X) and house numbers starred.
pub fn mask_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < n {
        if !is_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run of digit groups joined by one or two separators.
        let mut groups: Vec<(usize, usize)> = vec![];
        let mut j = i;
        loop {
            let start = j;
            while j < n && is_digit(chars[j]) {
                j += 1;
            }
            groups.push((start, j));
            let mut k = j;
            while k < n && k - j < 2 && is_separator(chars[k]) {
                k += 1;
            }
            if k > j && k < n && is_digit(chars[k]) {
                j = k;
            } else {
                break;
            }
        }
        let end = groups.last().map_or(j, |g| g.1);
        let digits: usize = groups.iter().map(|(s, e)| e - s).sum();
        let with_x = end < n && matches!(chars[end], 'X' | 'x' | 'Ｘ' | 'ｘ');
        let id_like = with_x && matches!(digits, 14 | 17);
        let mut f = end;
        while f < n && matches!(chars[f], ' ' | '\u{3000}') {
            f += 1;
        }
        let house = f < n && is_house_unit(chars[f]);
        let len = |g: &(usize, usize)| g.1 - g.0;
        let date_like = groups.len() == 3
            && len(&groups[0]) == 4
            && len(&groups[1]) <= 2
            && len(&groups[2]) <= 2
            && matches!(chars[groups[0].0], '1' | '2' | '１' | '２');
        let masked = house || id_like || (digits >= 7 && !date_like);
        // An area code before a landline number stays (0512-********).
        let keep_first = masked
            && !house
            && !id_like
            && groups.len() >= 2
            && chars[groups[0].0] == '0'
            && (3..=4).contains(&len(&groups[0]));
        let stop = if id_like { end + 1 } else { end };
        for (gi, &(s, e)) in groups.iter().enumerate() {
            if gi > 0 {
                out.extend(&chars[groups[gi - 1].1..s]);
            }
            if masked && !(gi == 0 && keep_first) {
                out.extend(std::iter::repeat_n('*', e - s));
            } else {
                out.extend(&chars[s..e]);
            }
        }
        if id_like {
            out.push('*');
        }
        i = stop;
    }
    out
}

/// [`mask_text`], and every mention of the given names (the caller's own, the
/// contact's) masked as [`mask_name`] masks them.
pub fn mask_text_naming(text: &str, names: &[&str]) -> String {
    let mut out = mask_text(text);
    for name in names {
        let name = name.trim();
        if name.chars().count() >= 2 && name != "匿名" {
            out = out.replace(name, &mask_name(name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(mask_name("王"), "王*");
        assert_eq!(mask_name(" "), "匿名");
        assert_eq!(mask_address("前进西路88号3栋"), "前进西路**号*栋");
        assert_eq!(mask_address("前进西路８８号"), "前进西路**号");
    }

    #[test]
    fn phones_in_every_written_form() {
        assert_eq!(
            mask_text("柏庐中路326号有商户，电话13812345678，营业到22点，共3家"),
            "柏庐中路***号有商户，电话***********，营业到22点，共3家"
        );
        assert_eq!(
            mask_text("0512-12345678，2026-11-04"),
            "0512-********，2026-11-04"
        );
        assert_eq!(mask_text("电话138-1234-5678"), "电话***-****-****");
        assert_eq!(mask_text("电话138 1234 5678。"), "电话*** **** ****。");
        assert_eq!(mask_text("电话１３８１２３４５６７８"), "电话***********");
        assert_eq!(mask_text("+86 138 1234 5678"), "+** *** **** ****");
    }

    #[test]
    fn known_names_in_the_text() {
        assert_eq!(
            mask_text_naming("我叫王芳，王芳的电话13812345678", &["王芳"]),
            "我叫王*，王*的电话***********"
        );
        assert_eq!(mask_text_naming("王", &["王"]), "王");
    }

    #[test]
    fn ids_and_house_numbers() {
        assert_eq!(
            mask_text("身份证11010519491231002X，住１２号"),
            "身份证******************，住**号"
        );
        assert_eq!(mask_text("住326 号楼下"), "住*** 号楼下");
        assert_eq!(mask_text("住12-3号"), "住**-*号");
        assert_eq!(mask_text("2026年11月4日晚上10点"), "2026年11月4日晚上10点");
    }
}
