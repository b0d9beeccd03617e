//! Organisation: departments stationed in the center, service points and staff roles.
//! Roles decide which actions a staff member may take; the store scopes queries by
//! the member's department or point.

coded_enum! {
    /// Kind of service point (服务点).
    PointKind {
        /// 政务服务中心
        Center = ("center", "政务服务中心"),
        /// 综合窗口: accepts for many departments
        ComprehensiveWindow = ("comprehensive_window", "综合窗口"),
        /// 区镇便民服务中心
        Town = ("town", "区镇便民服务中心"),
        /// 派出所分理点
        Substation = ("substation", "派出所分理点"),
    }
}

coded_enum! {
    /// A staff member's role.
    Role {
        /// 窗口受理人员
        WindowClerk = ("window_clerk", "窗口受理人员"),
        /// 区镇窗口人员
        TownClerk = ("town_clerk", "区镇窗口人员"),
        /// 部门审批人员
        Approver = ("approver", "部门审批人员"),
        /// 部门负责人
        DepartmentHead = ("department_head", "部门负责人"),
        /// 12345 话务员
        HotlineAgent = ("hotline_agent", "12345话务员"),
        /// 成员单位处办人员
        UnitHandler = ("unit_handler", "成员单位处办人员"),
        /// 督查人员 (reads all)
        Supervisor = ("supervisor", "督查人员"),
        /// 系统管理员
        Admin = ("admin", "系统管理员"),
    }
}

impl Role {
    /// Whether the role must belong to a department, a point, or either.
    pub fn attachment(self) -> Attachment {
        match self {
            Self::WindowClerk => Attachment::DepartmentOrPoint,
            Self::TownClerk => Attachment::Point,
            Self::Approver | Self::DepartmentHead | Self::UnitHandler => Attachment::Department,
            Self::HotlineAgent | Self::Supervisor | Self::Admin => Attachment::None,
        }
    }

    /// Sees every case of every department (read only for the supervisor).
    pub fn sees_all_cases(self) -> bool {
        matches!(self, Self::Supervisor | Self::Admin)
    }

    /// Works on approval cases at all.
    pub fn works_cases(self) -> bool {
        matches!(
            self,
            Self::WindowClerk
                | Self::TownClerk
                | Self::Approver
                | Self::DepartmentHead
                | Self::Supervisor
                | Self::Admin
        )
    }

    /// Takes applications at a counter (受理).
    pub fn accepts_applications(self) -> bool {
        matches!(self, Self::WindowClerk | Self::TownClerk)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachment {
    None,
    Department,
    Point,
    DepartmentOrPoint,
}

/// Username: 3–32 characters of letters, digits, '.', '_' or '-'.
pub fn parse_username(s: &str) -> Result<String, crate::Invalid> {
    let s = s.trim();
    let ok = (3..=32).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(crate::Invalid::new(
            "username",
            "用户名应为3至32位字母、数字或“._-”",
        ))
    }
}

/// Passwords too common to allow, one a line (lower case).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Password policy: at least 10 characters with letters and digits, not one of the
/// commonly used passwords, not one character over and over.
pub fn check_password(p: &str) -> Result<(), crate::Invalid> {
    let long = p.chars().count() >= 10;
    let letters = p.chars().any(|c| c.is_alphabetic());
    let digits = p.chars().any(|c| c.is_ascii_digit());
    if !(long && letters && digits && p.len() <= 256) {
        return Err(crate::Invalid::new(
            "password",
            "密码至少10位，且须同时包含字母和数字",
        ));
    }
    let lower = p.to_lowercase();
    let common = COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == lower);
    let distinct = {
        let mut c: Vec<char> = lower.chars().collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    if common || distinct < 4 {
        return Err(crate::Invalid::new(
            "password",
            "密码过于常见或简单，容易被猜中，请换一个",
        ));
    }
    Ok(())
}

/// A member's new password: the policy, and not containing their username.
pub fn check_new_password(p: &str, username: &str) -> Result<(), crate::Invalid> {
    check_password(p)?;
    if username.len() >= 3 && p.to_lowercase().contains(&username.to_lowercase()) {
        return Err(crate::Invalid::new("password", "密码不能包含用户名"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert!(check_password("Kunshan-Zw9-tb").is_ok());
        for weak in [
            "short1",
            "onlyletters",
            "1234567890",
            "Password123",
            "a1a1a1a1a1a1",
            "WOAINI1314",
        ] {
            assert!(check_password(weak).is_err(), "{weak}");
        }
        assert!(check_new_password("xu.clerk-2026a", "xu.clerk").is_err());
        assert!(check_new_password("Kunshan-Zw9-tb", "xu.clerk").is_ok());
    }

    #[test]
    fn roles_round_trip() {
        for &r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        for &k in PointKind::ALL {
            assert_eq!(PointKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn usernames_and_passwords() {
        assert_eq!(parse_username(" Clerk.Li ").unwrap(), "clerk.li");
        assert!(parse_username("ab").is_err());
        assert!(parse_username("张三").is_err());
        assert!(check_password("short1").is_err());
        assert!(check_password("onlyletterslong").is_err());
        assert!(check_password("letters and 123").is_ok());
    }
}
