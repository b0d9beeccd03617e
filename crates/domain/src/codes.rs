//! Identity codes: the unified social credit code (GB 32100-2015), the resident
//! identity number (GB 11643-1999) and mainland mobile numbers, each a type that can
//! only hold a valid value, with check-character computation and masking for display.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Characters allowed in a unified social credit code (no I, O, Z, S, V).
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17 of a credit code.
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Weights of the 8 body characters of an organisation code (GB 11714).
const ORGANISATION_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
/// Registration authority codes of GB 32100 (position 1 of a credit code).
const AUTHORITIES: &[u8] = b"123456789ANY";
/// Weights of positions 1–17 of an identity number.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character of an identity number, indexed by the weighted sum mod 11.
const ID_CHECK: &[u8; 11] = b"10X98765432";
/// Province-level codes (first two digits) of GB/T 2260, as in `gbt2260-2024.csv`.
pub const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];
/// Birth dates before this day are rejected as implausible.
const EARLIEST_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Which code (or part of one) an error is about; its `Display` is the Chinese name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeKind {
    /// The whole 18-character unified social credit code.
    CreditCode,
    /// The first 17 characters of a credit code (input of its check character).
    CreditCodeBody,
    /// The 8-character body of an organisation code (GB 11714).
    OrganisationCodeBody,
    /// The whole 18-character resident identity number.
    IdNumber,
    /// The first 17 digits of an identity number (input of its check character).
    IdNumberBody,
}

impl fmt::Display for CodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CreditCode => "统一社会信用代码",
            Self::CreditCodeBody => "统一社会信用代码前17位",
            Self::OrganisationCodeBody => "组织机构代码本体",
            Self::IdNumber => "身份证号码",
            Self::IdNumberBody => "身份证号码前17位",
        })
    }
}

/// Why a code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("{code}应为{expected}位，实际为{actual}位")]
    Length {
        code: CodeKind,
        expected: usize,
        actual: usize,
    },
    /// `position` is 1-based, counted in characters.
    #[error("第{position}位字符“{ch}”不是{code}允许的字符")]
    InvalidChar {
        code: CodeKind,
        position: usize,
        ch: char,
    },
    #[error("登记管理部门代码“{ch}”不存在")]
    BadAuthority { ch: char },
    #[error("登记管理部门代码为“{authority}”时，机构类别代码“{ch}”无效")]
    BadEntityType { authority: char, ch: char },
    #[error("行政区划代码“{division}”无效，应为GB/T 2260中的6位代码")]
    BadDivision { division: String },
    #[error("组织机构代码校验码错误：应为{expected}，实际为{actual}")]
    BadOrganisationCheck { expected: char, actual: char },
    #[error("{code}校验码错误：应为{expected}，实际为{actual}")]
    BadCheckChar {
        code: CodeKind,
        expected: char,
        actual: char,
    },
    #[error("行政区划代码的省级代码“{province}”不存在")]
    BadProvince { province: String },
    #[error("港澳台居民居住证号码应以810000（香港）、820000（澳门）或830000（台湾）开头")]
    BadPermitRegion,
    #[error("身份证号码出生日期无效")]
    BadBirthDate,
    #[error("身份证号码出生日期晚于当前日期")]
    FutureBirthDate,
    #[error("身份证号码顺序码应在000至999之间，实际为{sequence}")]
    BadSequence { sequence: u16 },
    #[error("手机号码无效：应为以13至19开头的11位数字")]
    BadMobile,
    #[error("电话号码无效：应为11位手机号码或固定电话号码（如0512-57301234）")]
    BadPhone,
}

// ---------------------------------------------------------------------------
// Unified social credit code
// ---------------------------------------------------------------------------

/// A unified social credit code (统一社会信用代码, GB 32100-2015); always valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CreditCode(#[serde(deserialize_with = "deserialize_credit")] String);

fn deserialize_credit<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    CreditCode::parse(&s)
        .map(|c| c.0)
        .map_err(serde::de::Error::custom)
}

/// Value of a credit-code character: its index in the alphabet.
fn credit_value(c: u8) -> Option<u32> {
    CREDIT_ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|i| i as u32)
}

/// Value of an organisation-code character: digits 0–9, `A` = 10 … `Z` = 35.
fn organisation_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

/// Checks the length (in characters) of `s`.
fn check_length(s: &str, code: CodeKind, expected: usize) -> Result<(), CodeError> {
    let actual = s.chars().count();
    if actual == expected {
        Ok(())
    } else {
        Err(CodeError::Length {
            code,
            expected,
            actual,
        })
    }
}

/// Checks that every character of `s` satisfies `ok`, naming the first that does not.
/// `ok` gets the 0-based index and the character.
fn check_chars(s: &str, code: CodeKind, ok: impl Fn(usize, char) -> bool) -> Result<(), CodeError> {
    match s.chars().enumerate().find(|&(i, c)| !ok(i, c)) {
        Some((i, ch)) => Err(CodeError::InvalidChar {
            code,
            position: i + 1,
            ch,
        }),
        None => Ok(()),
    }
}

fn is_credit_char(c: char) -> bool {
    c.is_ascii() && CREDIT_ALPHABET.contains(&(c as u8))
}

/// GB 11714 check character of an 8-character organisation code body
/// (digits and uppercase letters).
pub fn organisation_check_char(body8: &str) -> Result<char, CodeError> {
    let code = CodeKind::OrganisationCodeBody;
    check_length(body8, code, 8)?;
    check_chars(body8, code, |_, c| {
        c.is_ascii_digit() || c.is_ascii_uppercase()
    })?;
    let sum: u32 = body8
        .bytes()
        .zip(ORGANISATION_WEIGHTS)
        .map(|(c, w)| organisation_value(c).unwrap_or(0) * w)
        .sum();
    Ok(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        c => char::from(b'0' + c as u8),
    })
}

/// GB 32100 check character (position 18) of the first 17 characters of a credit code.
pub fn credit_check_char(first17: &str) -> Result<char, CodeError> {
    let code = CodeKind::CreditCodeBody;
    check_length(first17, code, 17)?;
    check_chars(first17, code, |_, c| is_credit_char(c))?;
    let sum: u32 = first17
        .bytes()
        .zip(CREDIT_WEIGHTS)
        .map(|(c, w)| credit_value(c).unwrap_or(0) * w)
        .sum();
    Ok(char::from(CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize]))
}

/// Checks the registration authority (position 1) and entity type (position 2).
fn check_authority_and_type(authority: char, entity_type: char) -> Result<(), CodeError> {
    if !(authority.is_ascii() && AUTHORITIES.contains(&(authority as u8))) {
        return Err(CodeError::BadAuthority { ch: authority });
    }
    let type_ok = entity_types(authority).contains(entity_type);
    if type_ok {
        Ok(())
    } else {
        Err(CodeError::BadEntityType {
            authority,
            ch: entity_type,
        })
    }
}

/// The entity types (position 2) each registration authority (position 1) may give,
/// as GB 32100-2015's table of codes lists them.
fn entity_types(authority: char) -> &'static str {
    match authority {
        // 机构编制: 机关, 事业单位, 编办直接管理的群众团体, 其他
        '1' => "1239",
        // 外交: 外国常驻新闻机构, 其他
        '2' => "19",
        // 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
        '3' => "123459",
        // 文化: 外国在华文化中心, 其他
        '4' => "19",
        // 民政: 社会团体, 民办非企业单位, 基金会, 其他
        '5' => "1239",
        // 旅游: 外国及港澳台地区旅游部门常驻代表机构, 其他
        '6' => "129",
        // 宗教: 宗教活动场所, 宗教院校, 其他
        '7' => "129",
        // 工会: 基层工会, 其他
        '8' => "19",
        // 工商（市场监管）: 企业, 个体工商户, 农民专业合作社
        '9' => "123",
        // 中央军委改革和编制办公室: 军队事业单位, 其他
        'A' => "19",
        // 农业: 组级、村级、乡镇级集体经济组织, 其他
        'N' => "1239",
        // 其他
        'Y' => "1",
        _ => "",
    }
}

/// A division code of GB/T 2260: six digits under a known province, or `100000` for
/// organisations registered at the national level.
fn check_division(division: &str) -> Result<(), CodeError> {
    if division.len() == 6
        && division.bytes().all(|b| b.is_ascii_digit())
        && (division == "100000" || PROVINCES.contains(&&division[..2]))
    {
        Ok(())
    } else {
        Err(CodeError::BadDivision {
            division: division.to_owned(),
        })
    }
}

impl CreditCode {
    /// Parses a code, ignoring surrounding whitespace and ASCII case.
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let s = s.trim().to_ascii_uppercase();
        let code = CodeKind::CreditCode;
        check_length(&s, code, 18)?;
        check_chars(&s, code, |_, c| is_credit_char(c))?;
        // All characters are ASCII from here on, so byte slicing is safe.
        let b = s.as_bytes();
        check_authority_and_type(char::from(b[0]), char::from(b[1]))?;
        check_division(&s[2..8])?;
        let org_expected = organisation_check_char(&s[8..16])?;
        let org_actual = char::from(b[16]);
        if org_expected != org_actual {
            return Err(CodeError::BadOrganisationCheck {
                expected: org_expected,
                actual: org_actual,
            });
        }
        let expected = credit_check_char(&s[..17])?;
        let actual = char::from(b[17]);
        if expected != actual {
            return Err(CodeError::BadCheckChar {
                code,
                expected,
                actual,
            });
        }
        Ok(Self(s))
    }

    /// Builds a new code from the registration authority, the entity type, the 6-digit
    /// division and the 8-character organisation body; computes both check characters.
    pub fn generate(
        authority: char,
        entity_type: char,
        division: &str,
        organisation_body: &str,
    ) -> Result<Self, CodeError> {
        check_authority_and_type(authority, entity_type)?;
        check_division(division)?;
        let kind = CodeKind::OrganisationCodeBody;
        check_length(organisation_body, kind, 8)?;
        check_chars(organisation_body, kind, |_, c| is_credit_char(c))?;
        let mut s = String::with_capacity(18);
        s.push(authority);
        s.push(entity_type);
        s.push_str(division);
        s.push_str(organisation_body);
        s.push(organisation_check_char(organisation_body)?);
        s.push(credit_check_char(&s)?);
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Registration authority code (position 1), e.g. `9` for market regulation.
    pub fn authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// Entity type code (position 2), e.g. `1` for an enterprise under authority `9`.
    pub fn entity_type(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }

    /// GB/T 2260 division code (positions 3–8).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }

    /// Organisation code with its check character (positions 9–17).
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }

    pub fn last_six(&self) -> &str {
        &self.0[12..]
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// ---------------------------------------------------------------------------
// Resident identity number
// ---------------------------------------------------------------------------

/// A resident identity number (公民身份号码, GB 11643-1999); always valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber {
    value: String,
    birth: NaiveDate,
}

impl Serialize for IdNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.value)
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// GB 11643 check character of the first 17 digits of an identity number.
pub fn id_check_char(first17: &str) -> Result<char, CodeError> {
    let code = CodeKind::IdNumberBody;
    check_length(first17, code, 17)?;
    check_chars(first17, code, |_, c| c.is_ascii_digit())?;
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    Ok(char::from(ID_CHECK[(sum % 11) as usize]))
}

fn check_province(division: &str) -> Result<(), CodeError> {
    let province = division.get(..2).unwrap_or(division);
    if PROVINCES.contains(&province) {
        Ok(())
    } else {
        Err(CodeError::BadProvince {
            province: province.to_owned(),
        })
    }
}

impl IdNumber {
    /// Parses a number, rejecting birth dates after today's date (UTC).
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        Self::parse_at(s, chrono::Utc::now().date_naive())
    }

    /// Parses a number, rejecting birth dates after `today`; ignores surrounding
    /// whitespace and accepts a lowercase `x`.
    pub fn parse_at(s: &str, today: NaiveDate) -> Result<Self, CodeError> {
        // Taiwan, Hong Kong and Macao residents hold residence permits (810000…), not
        // resident identity numbers.
        Self::parse_region(s, today, |division| {
            if matches!(division.get(..2), Some("71" | "81" | "82")) {
                return Err(CodeError::BadProvince {
                    province: division[..2].to_owned(),
                });
            }
            check_province(division)
        })
    }

    /// Parses the number of a residence permit for Hong Kong, Macao or Taiwan
    /// residents (港澳台居民居住证): GB 11643's structure and check character under the
    /// codes 810000, 820000 or 830000.
    pub fn parse_permit_at(s: &str, today: NaiveDate) -> Result<Self, CodeError> {
        Self::parse_region(s, today, |division| {
            if matches!(division, "810000" | "820000" | "830000") {
                Ok(())
            } else {
                Err(CodeError::BadPermitRegion)
            }
        })
    }

    fn parse_region(
        s: &str,
        today: NaiveDate,
        region: impl Fn(&str) -> Result<(), CodeError>,
    ) -> Result<Self, CodeError> {
        let s = s.trim().to_ascii_uppercase();
        let code = CodeKind::IdNumber;
        check_length(&s, code, 18)?;
        check_chars(&s, code, |i, c| c.is_ascii_digit() || (i == 17 && c == 'X'))?;
        // All characters are ASCII from here on.
        region(&s[..6])?;
        let birth = NaiveDate::parse_from_str(&s[6..14], "%Y%m%d")
            .ok()
            .filter(|d| *d >= EARLIEST_BIRTH)
            .ok_or(CodeError::BadBirthDate)?;
        if birth > today {
            return Err(CodeError::FutureBirthDate);
        }
        let expected = id_check_char(&s[..17])?;
        let actual = char::from(s.as_bytes()[17]);
        if expected != actual {
            return Err(CodeError::BadCheckChar {
                code,
                expected,
                actual,
            });
        }
        Ok(Self { value: s, birth })
    }

    /// Builds a valid number (for demo data and tests) from a 6-digit division, a birth
    /// date (1900–9999; not checked against today) and a 3-digit sequence 0..=999.
    pub fn compose(division: &str, birth: NaiveDate, sequence: u16) -> Result<Self, CodeError> {
        check_division(division)?;
        check_province(division)?;
        if birth < EARLIEST_BIRTH || birth.year() > 9999 {
            return Err(CodeError::BadBirthDate);
        }
        if sequence > 999 {
            return Err(CodeError::BadSequence { sequence });
        }
        let mut value = format!("{division}{}{sequence:03}", birth.format("%Y%m%d"));
        value.push(id_check_char(&value)?);
        Ok(Self { value, birth })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Division code of the place of first registration (positions 1–6).
    pub fn division(&self) -> &str {
        &self.value[..6]
    }

    /// Age in whole years on `day` (a birthday counts from its day).
    pub fn age_on(&self, day: NaiveDate) -> i32 {
        let b = self.birth_date();
        let mut age = day.year() - b.year();
        if (day.month(), day.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        age
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// The sequence code (positions 15–17) is odd for men, even for women.
    pub fn is_male(&self) -> bool {
        (self.value.as_bytes()[16] - b'0') % 2 == 1
    }

    pub fn last_six(&self) -> &str {
        &self.value[12..]
    }

    /// First 6 and last 4 characters with 8 stars between, e.g. `320583********123X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.value[..6], &self.value[14..])
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl FromStr for IdNumber {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// ---------------------------------------------------------------------------
// Mobile numbers
// ---------------------------------------------------------------------------

/// A mainland mobile number: 11 digits starting with 1[3-9].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Mobile(#[serde(deserialize_with = "deserialize_mobile")] String);

fn deserialize_mobile<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    Mobile::parse(&s)
        .map(|m| m.0)
        .map_err(serde::de::Error::custom)
}

impl Mobile {
    /// Parses a number, ignoring whitespace and dashes and an optional `+86` prefix.
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let digits = compact.strip_prefix("+86").unwrap_or(&compact);
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Self(digits.to_owned()))
        } else {
            Err(CodeError::BadMobile)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Mobile {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A contact number: a mainland mobile, or a landline or service number as callers
/// and applicants write it (`0512-57301234`, `12345`); only a mobile takes text
/// messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Phone {
    Mobile(Mobile),
    Landline(String),
}

impl Phone {
    /// A mobile in any form [`Mobile::parse`] accepts, or 7 to 15 digits with dashes.
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let v = s.trim();
        if let Ok(m) = Mobile::parse(v) {
            return Ok(Self::Mobile(m));
        }
        let digits = v.chars().filter(char::is_ascii_digit).count();
        if (7..=20).contains(&v.len())
            && (7..=15).contains(&digits)
            && v.chars().all(|c| c.is_ascii_digit() || c == '-')
        {
            return Ok(Self::Landline(v.to_string()));
        }
        Err(CodeError::BadPhone)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Mobile(m) => m.as_str(),
            Self::Landline(l) => l,
        }
    }

    /// Masked for lists and views ([`mask_phone`]).
    pub fn masked(&self) -> String {
        mask_phone(self.as_str())
    }

    /// The mobile, which text messages and the real-name binding need.
    pub fn mobile(&self) -> Option<&Mobile> {
        match self {
            Self::Mobile(m) => Some(m),
            Self::Landline(_) => None,
        }
    }
}

/// Masks a phone number for display: `138****5678` for a mainland mobile (in any
/// format [`Mobile::parse`] accepts); otherwise the first 3 and last 2 characters are
/// kept and the rest starred, and a number of 5 characters or fewer is starred whole.
pub fn mask_phone(phone: &str) -> String {
    if let Ok(m) = Mobile::parse(phone) {
        return m.masked();
    }
    let chars: Vec<char> = phone.trim().chars().collect();
    let n = chars.len();
    if n <= 5 {
        return "*".repeat(n);
    }
    let mut out = String::with_capacity(n + 8);
    out.extend(&chars[..3]);
    out.push_str(&"*".repeat(n - 5));
    out.extend(&chars[n - 2..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Published codes; each was checked by hand against both check characters.
    const KNOWN_CREDIT_CODES: [&str; 5] = [
        "91350100M000100Y43", // the example of GB 32100-2015
        "914403001922038216",
        "91440300708461136T",
        "91110108551385082Q",
        "9111000071093123XX",
    ];

    #[test]
    fn known_credit_codes_are_valid() {
        for s in KNOWN_CREDIT_CODES {
            let c = CreditCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(c.as_str(), s);
        }
        let c = CreditCode::parse(" 91350100m000100y43\n").unwrap();
        assert_eq!(c.as_str(), "91350100M000100Y43");
        assert_eq!(c.authority(), '9');
        assert_eq!(c.entity_type(), '1');
        assert_eq!(c.division(), "350100");
        assert_eq!(c.organisation_code(), "M000100Y4");
        assert_eq!(c.last_six(), "100Y43");
        assert_eq!(c.to_string(), "91350100M000100Y43");
        assert_eq!("91350100M000100Y43".parse::<CreditCode>().unwrap(), c);
    }

    #[test]
    fn check_chars_by_hand() {
        // M000100Y: 22*3 + 1*5 + 34*2 = 139, 139 mod 11 = 7, 11 - 7 = 4.
        assert_eq!(organisation_check_char("M000100Y").unwrap(), '4');
        assert_eq!(organisation_check_char("71093123").unwrap(), 'X');
        assert_eq!(organisation_check_char("19220382").unwrap(), '1');
        assert_eq!(credit_check_char("91350100M000100Y4").unwrap(), '3');
        assert_eq!(credit_check_char("9111000071093123X").unwrap(), 'X');
        assert_eq!(
            organisation_check_char("M000100"),
            Err(CodeError::Length {
                code: CodeKind::OrganisationCodeBody,
                expected: 8,
                actual: 7
            })
        );
        assert!(matches!(
            credit_check_char("91350100M000I00Y4"),
            Err(CodeError::InvalidChar {
                position: 13,
                ch: 'I',
                ..
            })
        ));
    }

    #[test]
    fn generate_round_trip() {
        let c = CreditCode::generate('9', '1', "320583", "MA1MXK2P").unwrap();
        assert_eq!(c.as_str(), "91320583MA1MXK2P0D");
        assert_eq!(CreditCode::parse(c.as_str()).unwrap(), c);
        for (i, body) in ["MA1MXK2P", "MA1N0000", "08765432", "MAC3YU7L"]
            .iter()
            .enumerate()
        {
            for (a, t) in [('9', '2'), ('5', '1'), ('1', '9'), ('Y', '1'), ('N', '2')] {
                let div = format!("32058{i}");
                let c = CreditCode::generate(a, t, &div, body).unwrap();
                assert_eq!(CreditCode::parse(c.as_str()).unwrap(), c);
                assert_eq!(c.division(), div);
                assert_eq!(&c.organisation_code()[..8], *body);
            }
        }
        assert_eq!(
            CreditCode::generate('B', '1', "320583", "MA1MXK2P"),
            Err(CodeError::BadAuthority { ch: 'B' })
        );
        assert_eq!(
            CreditCode::generate('9', '4', "320583", "MA1MXK2P"),
            Err(CodeError::BadEntityType {
                authority: '9',
                ch: '4'
            })
        );
        assert!(matches!(
            CreditCode::generate('9', '1', "32058", "MA1MXK2P"),
            Err(CodeError::BadDivision { .. })
        ));
        assert!(matches!(
            CreditCode::generate('9', '1', "320583", "MA1MXKOP"),
            Err(CodeError::InvalidChar {
                position: 7,
                ch: 'O',
                ..
            })
        ));
    }

    #[test]
    fn every_single_character_corruption_is_rejected() {
        let mut all: Vec<char> = CREDIT_ALPHABET.iter().map(|&b| char::from(b)).collect();
        all.extend(['I', 'O', 'Z', 'S', 'V', '-', '中']);
        for s in KNOWN_CREDIT_CODES {
            let original: Vec<char> = s.chars().collect();
            for pos in 0..original.len() {
                for &c in &all {
                    if c == original[pos] {
                        continue;
                    }
                    let mut v = original.clone();
                    v[pos] = c;
                    let corrupted: String = v.into_iter().collect();
                    assert!(
                        CreditCode::parse(&corrupted).is_err(),
                        "{corrupted} accepted"
                    );
                }
            }
        }
    }

    #[test]
    fn credit_code_errors() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CodeError::Length {
                code: CodeKind::CreditCode,
                expected: 18,
                actual: 17
            })
        );
        let e = CreditCode::parse("9135IOO0M000100Y43").unwrap_err();
        assert_eq!(
            e,
            CodeError::InvalidChar {
                code: CodeKind::CreditCode,
                position: 5,
                ch: 'I'
            }
        );
        assert_eq!(e.to_string(), "第5位字符“I”不是统一社会信用代码允许的字符");
        assert_eq!(
            CreditCode::parse("91350100M000100Y40"),
            Err(CodeError::BadCheckChar {
                code: CodeKind::CreditCode,
                expected: '3',
                actual: '0'
            })
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y53"),
            Err(CodeError::BadOrganisationCheck {
                expected: '4',
                actual: '5'
            })
        );
        assert_eq!(
            CreditCode::parse("9111000071093123X0")
                .unwrap_err()
                .to_string(),
            "统一社会信用代码校验码错误：应为X，实际为0"
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y4")
                .unwrap_err()
                .to_string(),
            "统一社会信用代码应为18位，实际为17位"
        );
        assert!(matches!(
            CreditCode::parse("B1350100M000100Y43"),
            Err(CodeError::BadAuthority { ch: 'B' })
        ));
        assert!(matches!(
            CreditCode::parse("9A350100M000100Y43"),
            Err(CodeError::BadEntityType { .. })
        ));
        assert!(matches!(
            CreditCode::parse("913501A0M000100Y43"),
            Err(CodeError::BadDivision { .. })
        ));
    }

    #[test]
    fn id_number_example() {
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.division(), "110105");
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert!(!id.is_male());
        assert_eq!(id.last_six(), "31002X");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(id.to_string(), "11010519491231002X");
        assert_eq!(id_check_char("11010519491231002").unwrap(), 'X');
    }

    #[test]
    fn id_number_errors() {
        let today = date(2025, 6, 1);
        assert_eq!(
            IdNumber::parse_at("110105194912310020", today),
            Err(CodeError::BadCheckChar {
                code: CodeKind::IdNumber,
                expected: 'X',
                actual: '0'
            })
        );
        assert_eq!(
            IdNumber::parse_at("110105194912310020", today)
                .unwrap_err()
                .to_string(),
            "身份证号码校验码错误：应为X，实际为0"
        );
        // 1949-02-31 does not exist; give the number a correct check character.
        let body = "11010519490231002";
        let s = format!("{body}{}", id_check_char(body).unwrap());
        assert_eq!(IdNumber::parse_at(&s, today), Err(CodeError::BadBirthDate));
        assert_eq!(
            CodeError::BadBirthDate.to_string(),
            "身份证号码出生日期无效"
        );
        let body = "11010518991231002";
        let s = format!("{body}{}", id_check_char(body).unwrap());
        assert_eq!(IdNumber::parse_at(&s, today), Err(CodeError::BadBirthDate));
        // Province 99 does not exist.
        let body = "99010519491231002";
        let s = format!("{body}{}", id_check_char(body).unwrap());
        let e = IdNumber::parse_at(&s, today).unwrap_err();
        assert_eq!(
            e,
            CodeError::BadProvince {
                province: "99".into()
            }
        );
        assert_eq!(e.to_string(), "行政区划代码的省级代码“99”不存在");
        // An unknown county in a known province is accepted.
        let id = IdNumber::compose("320599", date(1980, 5, 6), 17).unwrap();
        assert!(IdNumber::parse_at(id.as_str(), today).is_ok());
        // X only in the last position; letters elsewhere are named.
        assert!(matches!(
            IdNumber::parse_at("1101051949123100X2", today),
            Err(CodeError::InvalidChar {
                position: 17,
                ch: 'X',
                ..
            })
        ));
        assert!(matches!(
            IdNumber::parse_at("11010519491231002", today),
            Err(CodeError::Length {
                expected: 18,
                actual: 17,
                ..
            })
        ));
    }

    #[test]
    fn future_birth_date() {
        let id = IdNumber::compose("320583", date(2025, 6, 2), 123).unwrap();
        assert_eq!(
            IdNumber::parse_at(id.as_str(), date(2025, 6, 1)),
            Err(CodeError::FutureBirthDate)
        );
        assert!(IdNumber::parse_at(id.as_str(), date(2025, 6, 2)).is_ok());
    }

    #[test]
    fn compose_round_trip() {
        for (seq, male) in [
            (0u16, false),
            (1, true),
            (123, true),
            (998, false),
            (999, true),
        ] {
            let birth = date(1990, 2, 28);
            let id = IdNumber::compose("320583", birth, seq).unwrap();
            let parsed = IdNumber::parse(id.as_str()).unwrap();
            assert_eq!(parsed, id);
            assert_eq!(parsed.birth_date(), birth);
            assert_eq!(parsed.is_male(), male);
            assert_eq!(&parsed.as_str()[14..17], format!("{seq:03}"));
        }
        assert_eq!(
            IdNumber::compose("320583", date(1990, 1, 1), 1000),
            Err(CodeError::BadSequence { sequence: 1000 })
        );
        assert!(matches!(
            IdNumber::compose("990583", date(1990, 1, 1), 1),
            Err(CodeError::BadDivision { .. })
        ));
        assert_eq!(
            IdNumber::compose("320583", date(1899, 12, 31), 1),
            Err(CodeError::BadBirthDate)
        );
    }

    #[test]
    fn masks() {
        let id = IdNumber::compose("320583", date(1985, 7, 1), 123).unwrap();
        let m = id.masked();
        assert_eq!(m.len(), 18);
        assert!(m.starts_with("320583********123"));
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("+86 138-1234-5678"), "138****5678");
        assert_eq!(mask_phone("0512-57301234"), "051********34");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn mobile_parsing() {
        let m = Mobile::parse("+86 138-1234-5678").unwrap();
        assert_eq!(m.as_str(), "13812345678");
        assert_eq!(m.masked(), "138****5678");
        assert_eq!(m.to_string(), "13812345678");
        assert!(Mobile::parse("19912345678").is_ok());
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "23812345678",
            "1381234567a",
            "+85 13812345678",
            "",
        ] {
            assert_eq!(Mobile::parse(bad), Err(CodeError::BadMobile), "{bad}");
        }
    }

    #[test]
    fn deserializes_from_strings() {
        let c = CreditCode::parse("91350100M000100Y43").unwrap();
        let id = IdNumber::parse("11010519491231002X").unwrap();
        let m = Mobile::parse("13812345678").unwrap();
        // No JSON crate here: check through the string deserializer of serde itself.
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error as DeError, StrDeserializer};
        let de: StrDeserializer<'_, DeError> = "91350100m000100y43".into_deserializer();
        assert_eq!(CreditCode::deserialize(de).unwrap(), c);
        let de: StrDeserializer<'_, DeError> = "91350100M000100Y40".into_deserializer();
        assert!(CreditCode::deserialize(de).is_err());
        let de: StrDeserializer<'_, DeError> = "11010519491231002X".into_deserializer();
        assert_eq!(IdNumber::deserialize(de).unwrap(), id);
        let de: StrDeserializer<'_, DeError> = "138 1234 5678".into_deserializer();
        assert_eq!(Mobile::deserialize(de).unwrap(), m);
    }

    #[test]
    fn provinces_match_gbt2260_file() {
        let text = include_str!("../../../assets/gbt2260-2024.csv");
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with("code,"));
        let from_file: BTreeSet<&str> = lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| &l[..2])
            .collect();
        let ours: BTreeSet<&str> = PROVINCES.iter().copied().collect();
        assert_eq!(ours.len(), PROVINCES.len());
        assert_eq!(ours, from_file);
    }

    #[test]
    fn credit_code_table_and_divisions() {
        // Pairs of authority and entity type outside GB 32100's table.
        for (a, t) in [('1', 'Y'), ('5', '5'), ('Y', '2'), ('9', '9')] {
            assert_eq!(
                CreditCode::generate(a, t, "320583", "MA1MXK2P"),
                Err(CodeError::BadEntityType {
                    authority: a,
                    ch: t
                }),
                "{a}{t}"
            );
        }
        for (a, t) in [('1', '1'), ('5', '3'), ('Y', '1'), ('N', '2'), ('3', '5')] {
            assert!(
                CreditCode::generate(a, t, "320583", "MA1MXK2P").is_ok(),
                "{a}{t}"
            );
        }
        // Divisions that are no place: none at all, a province that does not exist.
        for div in ["000000", "990000", "730583"] {
            assert!(matches!(
                CreditCode::generate('9', '1', div, "MA1MXK2P"),
                Err(CodeError::BadDivision { .. })
            ));
            // A code built around such a division with correct check characters.
            let mut s = format!("91{div}MA1MXK2P");
            s.push(organisation_check_char("MA1MXK2P").unwrap());
            s.push(credit_check_char(&s).unwrap());
            assert!(matches!(
                CreditCode::parse(&s),
                Err(CodeError::BadDivision { .. })
            ));
        }
        // National-level registrations carry 100000.
        assert!(CreditCode::generate('5', '1', "100000", "MA1MXK2P").is_ok());
    }

    #[test]
    fn residence_permits_of_hong_kong_macao_taiwan() {
        let today = date(2026, 12, 5);
        for region in ["810000", "820000", "830000"] {
            let mut s = format!("{region}19900101123");
            s.push(id_check_char(&s).unwrap());
            let n = IdNumber::parse_permit_at(&s, today).unwrap();
            assert_eq!(n.birth_date(), date(1990, 1, 1));
        }
        // Such numbers are not resident identity numbers.
        for region in ["810000", "820000", "830000"] {
            let mut s = format!("{region}19900101123");
            s.push(id_check_char(&s).unwrap());
            assert!(matches!(
                IdNumber::parse_at(&s, today),
                Err(CodeError::BadProvince { .. })
            ));
        }
        let mut s = "32058319900101123".to_string();
        s.push(id_check_char(&s).unwrap());
        assert_eq!(
            IdNumber::parse_permit_at(&s, today),
            Err(CodeError::BadPermitRegion)
        );
        let right = id_check_char("83000019900101123").unwrap();
        let wrong = if right == '0' { '1' } else { '0' };
        assert!(matches!(
            IdNumber::parse_permit_at(&format!("83000019900101123{wrong}"), today),
            Err(CodeError::BadCheckChar { .. })
        ));
    }
}
