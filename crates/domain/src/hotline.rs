//! 12345 热线工单: a citizen's request (诉求) from any channel becomes a work order that
//! the center answers directly or dispatches to a member unit (成员单位), and that
//! follows the closed loop 受理 → 派单 → 签收 → 办理/回复 → 办结 → 回访. Every action is
//! checked here against the order's state and the actor's role; the store scopes it.

use crate::calendar::{Calendar, CalendarError};
use crate::org::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Waits up to this many seconds count as answered in time (GB/T 33358: 15 s).
pub const ANSWER_SECONDS: i64 = 15;

/// Largest request text accepted (content, Open311 description).
pub const MAX_CONTENT_CHARS: usize = 2000;
/// Largest note on an action (reply, reason for a return, ...).
pub const MAX_NOTE_CHARS: usize = 2000;
/// Working days an approved extension (延期) adds to the deadline.
pub const EXTENSION_WORKING_DAYS: u32 = 5;

coded_enum! {
    /// 诉求类别: the kind of request, which sets the deadline.
    Category {
        Consultation = ("consultation", "咨询"),
        Help = ("help", "求助"),
        Complaint = ("complaint", "投诉"),
        Report = ("report", "举报"),
        Suggestion = ("suggestion", "建议"),
        Praise = ("praise", "表扬"),
    }
}

impl Category {
    /// Working days a member unit has to reply by the example local rule; the days in
    /// force are configured (`DeadlineDays`), these are the defaults.
    pub fn default_deadline_days(self) -> u32 {
        match self {
            Self::Consultation | Self::Help | Self::Praise => 3,
            Self::Complaint | Self::Report | Self::Suggestion => 13,
        }
    }
    fn index(self) -> usize {
        match self {
            Self::Consultation => 0,
            Self::Help => 1,
            Self::Complaint => 2,
            Self::Report => 3,
            Self::Suggestion => 4,
            Self::Praise => 5,
        }
    }
}

/// Longest configurable time limit, in working days.
pub const MAX_DEADLINE_DAYS: u32 = 60;

/// 办理时限: the working days a member unit has to reply, by category, and the working
/// days an approved extension adds. Administrators configure them; the store reads
/// them and passes them in, so the rules here stay free of IO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineDays {
    days: [u32; 6],
    extension: u32,
    return_window: u32,
    max_extensions: u32,
}

/// Working days after a dispatch within which the unit may return the order.
pub const DEFAULT_RETURN_WINDOW: u32 = 2;
/// Extensions an order may be given.
pub const DEFAULT_MAX_EXTENSIONS: u32 = 1;
/// Most extensions an administrator may allow per order.
pub const MAX_EXTENSIONS: u32 = 5;

impl Default for DeadlineDays {
    fn default() -> Self {
        let mut days = [0; 6];
        for c in Category::ALL {
            days[c.index()] = c.default_deadline_days();
        }
        Self {
            days,
            extension: EXTENSION_WORKING_DAYS,
            return_window: DEFAULT_RETURN_WINDOW,
            max_extensions: DEFAULT_MAX_EXTENSIONS,
        }
    }
}

impl DeadlineDays {
    /// The key of the extension's days beside the category codes.
    pub const EXTENSION: &'static str = "extension";
    /// The key of the return window (working days after dispatch).
    pub const RETURN_WINDOW: &'static str = "return_window";
    /// The key of the number of extensions an order may be given.
    pub const MAX_EXTENSIONS: &'static str = "max_extensions";

    pub fn of(&self, c: Category) -> u32 {
        self.days[c.index()]
    }
    pub fn extension(&self) -> u32 {
        self.extension
    }
    pub fn return_window(&self) -> u32 {
        self.return_window
    }
    pub fn max_extensions(&self) -> u32 {
        self.max_extensions
    }
    /// Every key (the category codes, then the extension's days, the return window
    /// and the number of extensions) with its label and value.
    pub fn entries(&self) -> Vec<(&'static str, String, u32)> {
        let mut v: Vec<_> = Category::ALL
            .iter()
            .map(|c| (c.as_str(), format!("{}类诉求", c.label()), self.of(*c)))
            .collect();
        v.push((Self::EXTENSION, "同意延期增加".to_string(), self.extension));
        v.push((
            Self::RETURN_WINDOW,
            "派单后可退单的期限".to_string(),
            self.return_window,
        ));
        v.push((
            Self::MAX_EXTENSIONS,
            "每件工单可延期次数".to_string(),
            self.max_extensions,
        ));
        v
    }
    /// Sets the value of `key` (a category code, `extension`, `return_window` or
    /// `max_extensions`), checked to be in its range.
    pub fn set(&mut self, key: &str, days: i64) -> Result<(), crate::Invalid> {
        let (field, what, max, unit) = match Category::parse(key) {
            Some(c) => (
                c.as_str(),
                format!("“{}”类诉求的办理时限", c.label()),
                MAX_DEADLINE_DAYS,
                "工作日",
            ),
            None if key == Self::EXTENSION => (
                Self::EXTENSION,
                "同意延期增加的天数".to_string(),
                MAX_DEADLINE_DAYS,
                "工作日",
            ),
            None if key == Self::RETURN_WINDOW => (
                Self::RETURN_WINDOW,
                "派单后可退单的期限".to_string(),
                MAX_DEADLINE_DAYS,
                "工作日",
            ),
            None if key == Self::MAX_EXTENSIONS => (
                Self::MAX_EXTENSIONS,
                "每件工单可延期次数".to_string(),
                MAX_EXTENSIONS,
                "次",
            ),
            None => {
                return Err(crate::Invalid::new(
                    "deadlines",
                    format!(
                        "“{key}”不是诉求类别，应为：{}，或extension（延期天数）、return_window（可退单期限）、max_extensions（延期次数）",
                        Category::choices()
                    ),
                ));
            }
        };
        let ok = u32::try_from(days)
            .ok()
            .filter(|d| (1..=max).contains(d))
            .ok_or_else(|| {
                crate::Invalid::new(field, format!("{what}应为1至{max}之间的整数（{unit}）"))
            })?;
        match Category::parse(key) {
            Some(c) => self.days[c.index()] = ok,
            None if key == Self::EXTENSION => self.extension = ok,
            None if key == Self::RETURN_WINDOW => self.return_window = ok,
            None => self.max_extensions = ok,
        }
        Ok(())
    }
}

impl Serialize for DeadlineDays {
    /// `{ "consultation": 3, ..., "extension": 5 }`, the shape the API reads back.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let entries = self.entries();
        let mut m = s.serialize_map(Some(entries.len()))?;
        for (k, _, d) in entries {
            m.serialize_entry(k, &d)?;
        }
        m.end()
    }
}

coded_enum! {
    /// 紧急转警/转急救: an emergency is passed at once to the number that handles it,
    /// and the order is recorded as transferred (not as a direct answer).
    Emergency {
        Police = ("110", "110报警服务台"),
        Fire = ("119", "119消防救援"),
        Ambulance = ("120", "120急救中心"),
        Traffic = ("122", "122交通事故报警"),
    }
}

/// The event of an emergency transfer (not an action: it happens at intake).
pub const EMERGENCY_EVENT: &str = "transfer_emergency";
pub const EMERGENCY_EVENT_LABEL: &str = "转警/转急救";

coded_enum! {
    /// 受理渠道
    Channel {
        Phone = ("phone", "电话"),
        Web = ("web", "网站"),
        Wechat = ("wechat", "微信"),
        Email = ("email", "电子邮件"),
        Open311 = ("open311", "Open311接口"),
        Other = ("other", "其他"),
    }
}

coded_enum! {
    /// 工单状态
    Status {
        /// 已受理: registered at the center, awaiting an answer or dispatch
        Accepted = ("accepted", "已受理待派单"),
        /// 已派单 (交办) to a member unit, awaiting its sign-in
        Dispatched = ("dispatched", "已派单"),
        /// 已签收: the unit is handling it
        Signed = ("signed", "办理中"),
        /// 已回复: the unit replied, awaiting the center's closing
        Replied = ("replied", "已回复"),
        /// 已退单: the unit sent it back; the center reassigns (改派)
        Returned = ("returned", "已退单"),
        /// 已办结
        Closed = ("closed", "已办结"),
        /// 已并单 into another order
        Merged = ("merged", "已并单"),
    }
}

impl Status {
    /// Open311's two states: only closed and merged orders are closed.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Closed | Self::Merged)
    }
    /// Waiting on a member unit (the deadline runs).
    pub fn at_unit(self) -> bool {
        matches!(self, Self::Dispatched | Self::Signed)
    }
}

coded_enum! {
    /// An action on a work order.
    Action {
        /// 派单 / 改派 to a member unit
        Dispatch = ("dispatch", "派单"),
        /// 直接解答: answered by the center, closed at once
        Answer = ("answer", "直接解答"),
        /// 签收
        Sign = ("sign", "签收"),
        /// 退单 with a reason
        Return = ("return", "退单"),
        /// 延期申请
        RequestExtension = ("request_extension", "申请延期"),
        /// 同意延期
        ApproveExtension = ("approve_extension", "同意延期"),
        /// 不同意延期
        RejectExtension = ("reject_extension", "不同意延期"),
        /// 办理回复
        Reply = ("reply", "回复"),
        /// 重办: the reply does not answer the request; back to the unit
        Redo = ("redo", "退回重办"),
        /// 办结 (optionally with the callback's satisfaction)
        Close = ("close", "办结"),
        /// 回访 after closing
        Callback = ("callback", "回访"),
        /// 催办
        Urge = ("urge", "催办"),
        /// 督办
        Supervise = ("supervise", "督办"),
        /// 并单 into another order
        Merge = ("merge", "并单"),
        /// 工单差错 (quality check)
        MarkFaulty = ("mark_faulty", "标记工单差错"),
        /// 驳回退单: the dispute review finds the return unfounded; the order goes
        /// back to the same unit, its time limit running on (连续计算)
        RejectReturn = ("reject_return", "驳回退单"),
        /// 协办意见: a co-handling unit's opinion for the lead unit
        CoReply = ("co_reply", "协办意见"),
        /// 无效来电: harassment, silence, a wrong number; closed, and no 有效工单
        MarkInvalid = ("mark_invalid", "标记无效来电"),
    }
}

coded_enum! {
    /// Why a request is no valid work order (无效来电).
    InvalidKind {
        Harassment = ("harassment", "骚扰电话"),
        Silent = ("silent", "无声电话"),
        WrongNumber = ("wrong_number", "打错电话"),
        HungUp = ("hung_up", "未说明诉求即挂断"),
    }
}

/// How a unit handler's unit stands to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitRelation {
    /// 主办单位
    Lead,
    /// 协办单位
    Co,
}

impl Action {
    /// Roles allowed to take the action; the store adds that a unit handler acts only
    /// on orders dispatched to their own unit.
    pub fn allowed_for(self, role: Role) -> bool {
        use Action::*;
        match self {
            Dispatch | Answer | ApproveExtension | RejectExtension | Redo | Close | Callback
            | Merge | RejectReturn | MarkInvalid => role == Role::HotlineAgent,
            Sign | Return | RequestExtension | Reply | CoReply => role == Role::UnitHandler,
            Urge => matches!(role, Role::HotlineAgent | Role::Supervisor),
            Supervise | MarkFaulty => role == Role::Supervisor,
        }
    }

    /// The note is the written substance: the answer, the reason, the reply.
    pub fn requires_note(self) -> bool {
        use Action::*;
        matches!(
            self,
            Answer
                | Return
                | RequestExtension
                | Reply
                | Redo
                | Supervise
                | MarkFaulty
                | RejectReturn
                | CoReply
        )
    }

    /// Whether a unit handler standing in `relation` to the order may take the
    /// action: a co-unit only gives its opinion; the lead unit handles and replies.
    pub fn open_to_unit(self, relation: UnitRelation) -> Result<(), TransitionError> {
        match (relation, self) {
            (UnitRelation::Lead, Action::CoReply) => Err(TransitionError::LeadNoCoReply),
            (UnitRelation::Lead, _) | (UnitRelation::Co, Action::CoReply) => Ok(()),
            (UnitRelation::Co, action) => Err(TransitionError::CoUnitOnly { action }),
        }
    }
}

/// 回访满意度: the platform's one satisfaction scale (see [`crate::rating`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Satisfaction(u8);

impl Satisfaction {
    pub fn parse(level: i64) -> Result<Self, crate::Invalid> {
        if (1..=5).contains(&level) {
            Ok(Self(level as u8))
        } else {
            Err(crate::Invalid::new("level", crate::rating::LEVEL_FAULT))
        }
    }
    pub fn value(self) -> i64 {
        i64::from(self.0)
    }
    /// 不满意 or 非常不满意: the order goes back to the unit for rework.
    pub fn is_unsatisfied(self) -> bool {
        self.0 <= crate::rating::BAD_AT_MOST
    }
    pub fn label(self) -> &'static str {
        crate::rating::LABELS[usize::from(self.0 - 1)]
    }
}

/// What a work order knows when an action is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderState {
    pub status: Status,
    /// A unit's extension request awaits the center's decision.
    pub extension_pending: bool,
    /// The callback's satisfaction is recorded.
    pub called_back: bool,
    /// The caller was unsatisfied at the callback: the order may be sent back for
    /// rework (退回重办).
    pub unsatisfied: bool,
    pub faulty: bool,
}

impl OrderState {
    pub fn new(status: Status) -> Self {
        Self {
            status,
            extension_pending: false,
            called_back: false,
            unsatisfied: false,
            faulty: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("工单当前状态为“{}”，不能执行“{}”", .status.label(), .action.label())]
    NotAllowed { status: Status, action: Action },
    #[error("“{}”须由{}办理", .action.label(), allowed_roles(*.action))]
    Role { action: Action },
    #[error("“{}”须填写说明", .0.label())]
    NoteRequired(Action),
    #[error("该工单已有待审核的延期申请")]
    ExtensionPending,
    #[error("该工单没有待审核的延期申请")]
    NoExtensionPending,
    #[error("该工单已完成回访")]
    AlreadyCalledBack,
    #[error("该工单已标记为工单差错")]
    AlreadyFaulty,
    #[error("协办单位只能填写协办意见，不能执行“{}”（由主办单位办理）", .action.label())]
    CoUnitOnly { action: Action },
    #[error("主办单位请通过“回复”办理；“协办意见”由协办单位填写")]
    LeadNoCoReply,
    #[error("办理期限已于{deadline}届满，延期须在期限届满前申请，请尽快办理回复")]
    ExtensionTooLate { deadline: NaiveDate },
}

/// 延期申请 must come before the deadline passes (the deadline day itself counts).
pub fn check_extension_request(
    deadline: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), TransitionError> {
    match deadline {
        Some(d) if today > d => Err(TransitionError::ExtensionTooLate { deadline: d }),
        _ => Ok(()),
    }
}

fn allowed_roles(action: Action) -> String {
    Role::ALL
        .iter()
        .filter(|r| action.allowed_for(**r))
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("或")
}

impl OrderState {
    /// The state after `action`, or why it cannot be taken.
    pub fn transition(
        self,
        action: Action,
        role: Role,
        note: Option<&str>,
    ) -> Result<OrderState, TransitionError> {
        use Action as A;
        use Status as S;
        if !action.allowed_for(role) {
            return Err(TransitionError::Role { action });
        }
        let mut next = self;
        match (self.status, action) {
            (S::Accepted | S::Returned, A::Dispatch) => {
                next.status = S::Dispatched;
                next.extension_pending = false;
            }
            // Back to the unit that returned it, which must sign again.
            (S::Returned, A::RejectReturn) => next.status = S::Dispatched,
            (S::Dispatched | S::Signed, A::CoReply) => {}
            (S::Accepted, A::Answer | A::MarkInvalid) => next.status = S::Closed,
            (S::Dispatched, A::Sign) => next.status = S::Signed,
            (S::Dispatched | S::Signed, A::Return) => {
                next.status = S::Returned;
                next.extension_pending = false;
            }
            (S::Signed, A::RequestExtension) => {
                if self.extension_pending {
                    return Err(TransitionError::ExtensionPending);
                }
                next.extension_pending = true;
            }
            (S::Signed | S::Replied, A::ApproveExtension | A::RejectExtension) => {
                if !self.extension_pending {
                    return Err(TransitionError::NoExtensionPending);
                }
                next.extension_pending = false;
            }
            (S::Signed, A::Reply) => {
                next.status = S::Replied;
                next.extension_pending = false;
            }
            (S::Replied, A::Redo) => next.status = S::Signed,
            // An unsatisfied caller's order goes back to its unit; the next callback
            // asks again.
            (S::Closed, A::Redo) if self.unsatisfied => {
                next.status = S::Signed;
                next.called_back = false;
                next.unsatisfied = false;
            }
            (S::Replied, A::Close) => next.status = S::Closed,
            (S::Closed, A::Callback) => {
                if self.called_back {
                    return Err(TransitionError::AlreadyCalledBack);
                }
                next.called_back = true;
            }
            (S::Dispatched | S::Signed, A::Urge | A::Supervise) => {}
            (S::Accepted | S::Dispatched | S::Signed | S::Returned, A::Merge) => {
                next.status = S::Merged
            }
            (_, A::MarkFaulty) => {
                if self.faulty {
                    return Err(TransitionError::AlreadyFaulty);
                }
                next.faulty = true;
            }
            (status, action) => return Err(TransitionError::NotAllowed { status, action }),
        }
        if action.requires_note() && note.is_none_or(|n| n.trim().is_empty()) {
            return Err(TransitionError::NoteRequired(action));
        }
        Ok(next)
    }
}

/// The reply deadline of an order dispatched on `day`: the category's configured
/// working days counted from the next day. Past the calendar's known years, a
/// weekdays-only estimate (flagged `true`).
pub fn deadline(
    cal: &Calendar,
    limits: &DeadlineDays,
    category: Category,
    day: NaiveDate,
) -> Result<(NaiveDate, bool), CalendarError> {
    extend(cal, day, limits.of(category))
}

/// `n` working days after `from`, estimated past the known years.
pub fn extend(cal: &Calendar, from: NaiveDate, n: u32) -> Result<(NaiveDate, bool), CalendarError> {
    match cal.deadline(from, n) {
        Ok(d) => Ok((d, false)),
        Err(CalendarError::OutOfRange { .. }) => Ok((Calendar::estimate_deadline(from, n), true)),
        Err(e) => Err(e),
    }
}

/// 工单编号 `12345-YYYYMMDD-NNNNN`: the day of intake and the day's sequence.
pub fn order_no(day: NaiveDate, seq: i64) -> String {
    format!("12345-{}-{:05}", day.format("%Y%m%d"), seq)
}

/// Whether a text looks like an order number (so URLs never reach the database
/// with arbitrary input).
pub fn is_order_no(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b.len() <= 24
        && s.starts_with("12345-")
        && b[6..14].iter().all(u8::is_ascii_digit)
        && b[14] == b'-'
        && b[15..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Status as S;

    const NOTE: Option<&str> = Some("说明");

    fn st(status: Status) -> OrderState {
        OrderState::new(status)
    }

    fn role_for(a: Action) -> Role {
        Role::ALL
            .iter()
            .copied()
            .find(|r| a.allowed_for(*r))
            .expect("some role may act")
    }

    #[test]
    fn codes_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
        assert_eq!(Category::Complaint.label(), "投诉");
        assert!(Category::choices().contains("praise（表扬）"));
        assert_eq!(Category::parse("投诉"), None);
    }

    #[test]
    fn unsatisfied_callback_allows_rework() {
        let agent = Role::HotlineAgent;
        let mut closed = st(S::Closed);
        closed.called_back = true;
        assert!(matches!(
            closed.transition(A::Redo, agent, NOTE),
            Err(TransitionError::NotAllowed { .. })
        ));
        closed.unsatisfied = true;
        let next = closed.transition(A::Redo, agent, NOTE).unwrap();
        assert_eq!(next.status, S::Signed);
        assert!(!next.called_back && !next.unsatisfied);
        assert!(Satisfaction::parse(2).unwrap().is_unsatisfied());
        assert!(!Satisfaction::parse(3).unwrap().is_unsatisfied());
    }

    #[test]
    fn closed_loop() {
        let agent = Role::HotlineAgent;
        let unit = Role::UnitHandler;
        let s = st(S::Accepted)
            .transition(A::Dispatch, agent, None)
            .unwrap();
        assert_eq!(s.status, S::Dispatched);
        let s = s.transition(A::Sign, unit, None).unwrap();
        assert_eq!(s.status, S::Signed);
        let s = s.transition(A::Reply, unit, NOTE).unwrap();
        assert_eq!(s.status, S::Replied);
        let s = s.transition(A::Close, agent, None).unwrap();
        assert_eq!(s.status, S::Closed);
        let s = s.transition(A::Callback, agent, None).unwrap();
        assert!(s.called_back);
        assert_eq!(
            s.transition(A::Callback, agent, None),
            Err(TransitionError::AlreadyCalledBack)
        );
    }

    #[test]
    fn direct_answer_closes_at_once() {
        let s = st(S::Accepted)
            .transition(A::Answer, Role::HotlineAgent, NOTE)
            .unwrap();
        assert_eq!(s.status, S::Closed);
        assert_eq!(
            st(S::Accepted).transition(A::Answer, Role::HotlineAgent, None),
            Err(TransitionError::NoteRequired(A::Answer))
        );
        // Once dispatched, the center no longer answers directly.
        assert!(matches!(
            st(S::Dispatched).transition(A::Answer, Role::HotlineAgent, NOTE),
            Err(TransitionError::NotAllowed { .. })
        ));
    }

    #[test]
    fn return_and_reassign() {
        for from in [S::Dispatched, S::Signed] {
            let s = st(from)
                .transition(A::Return, Role::UnitHandler, Some("不属本单位职责"))
                .unwrap();
            assert_eq!(s.status, S::Returned);
            let s = s.transition(A::Dispatch, Role::HotlineAgent, None).unwrap();
            assert_eq!(s.status, S::Dispatched);
        }
        assert_eq!(
            st(S::Signed).transition(A::Return, Role::UnitHandler, Some(" ")),
            Err(TransitionError::NoteRequired(A::Return))
        );
    }

    #[test]
    fn extension() {
        let unit = Role::UnitHandler;
        let agent = Role::HotlineAgent;
        assert_eq!(
            st(S::Signed).transition(A::ApproveExtension, agent, None),
            Err(TransitionError::NoExtensionPending)
        );
        let s = st(S::Signed)
            .transition(A::RequestExtension, unit, NOTE)
            .unwrap();
        assert!(s.extension_pending);
        assert_eq!(
            s.transition(A::RequestExtension, unit, NOTE),
            Err(TransitionError::ExtensionPending)
        );
        let ok = s.transition(A::ApproveExtension, agent, None).unwrap();
        assert!(!ok.extension_pending);
        assert_eq!(ok.status, S::Signed);
        let no = s.transition(A::RejectExtension, agent, None).unwrap();
        assert!(!no.extension_pending);
        assert!(matches!(
            st(S::Dispatched).transition(A::RequestExtension, unit, NOTE),
            Err(TransitionError::NotAllowed { .. })
        ));
    }

    #[test]
    fn redo_urge_supervise_merge_faulty() {
        let s = st(S::Replied)
            .transition(A::Redo, Role::HotlineAgent, NOTE)
            .unwrap();
        assert_eq!(s.status, S::Signed);
        for from in [S::Dispatched, S::Signed] {
            assert_eq!(
                st(from).transition(A::Urge, Role::HotlineAgent, None),
                Ok(st(from))
            );
            assert_eq!(
                st(from).transition(A::Supervise, Role::Supervisor, NOTE),
                Ok(st(from))
            );
        }
        assert!(
            st(S::Closed)
                .transition(A::Urge, Role::Supervisor, None)
                .is_err()
        );
        for from in [S::Accepted, S::Dispatched, S::Signed, S::Returned] {
            assert_eq!(
                st(from)
                    .transition(A::Merge, Role::HotlineAgent, None)
                    .unwrap()
                    .status,
                S::Merged
            );
        }
        let f = st(S::Closed)
            .transition(A::MarkFaulty, Role::Supervisor, Some("分类错误"))
            .unwrap();
        assert!(f.faulty);
        assert_eq!(f.status, S::Closed);
        assert_eq!(
            f.transition(A::MarkFaulty, Role::Supervisor, Some("再次")),
            Err(TransitionError::AlreadyFaulty)
        );
    }

    /// Every (status, action) pair outside the table is rejected.
    #[test]
    fn every_other_transition_is_rejected() {
        let allowed: &[(Status, Action)] = &[
            (S::Accepted, A::Dispatch),
            (S::Returned, A::Dispatch),
            (S::Accepted, A::Answer),
            (S::Accepted, A::MarkInvalid),
            (S::Dispatched, A::Sign),
            (S::Dispatched, A::Return),
            (S::Signed, A::Return),
            (S::Signed, A::RequestExtension),
            (S::Signed, A::Reply),
            (S::Replied, A::Redo),
            (S::Replied, A::Close),
            (S::Closed, A::Callback),
            (S::Dispatched, A::Urge),
            (S::Signed, A::Urge),
            (S::Dispatched, A::Supervise),
            (S::Signed, A::Supervise),
            (S::Accepted, A::Merge),
            (S::Dispatched, A::Merge),
            (S::Signed, A::Merge),
            (S::Returned, A::Merge),
            (S::Returned, A::RejectReturn),
            (S::Dispatched, A::CoReply),
            (S::Signed, A::CoReply),
        ];
        for &status in Status::ALL {
            for &action in Action::ALL {
                let r = st(status).transition(action, role_for(action), NOTE);
                let ok = allowed.contains(&(status, action)) || action == A::MarkFaulty;
                if ok {
                    assert!(r.is_ok(), "{status:?} {action:?}: {r:?}");
                } else {
                    assert!(r.is_err(), "{status:?} {action:?} should be rejected");
                }
            }
        }
        // Merged and closed orders take nothing but a quality flag (and a callback).
        assert!(
            st(S::Merged)
                .transition(A::Dispatch, Role::HotlineAgent, None)
                .is_err()
        );
    }

    #[test]
    fn roles_are_checked() {
        for &action in Action::ALL {
            for &role in Role::ALL {
                if !action.allowed_for(role) {
                    assert_eq!(
                        st(S::Signed).transition(action, role, NOTE),
                        Err(TransitionError::Role { action })
                    );
                }
            }
        }
        assert!(!A::Sign.allowed_for(Role::HotlineAgent));
        assert!(!A::Dispatch.allowed_for(Role::UnitHandler));
        assert!(!A::Close.allowed_for(Role::Supervisor));
        let msg = TransitionError::Role { action: A::Sign }.to_string();
        assert!(msg.contains("成员单位处办人员"), "{msg}");
    }

    #[test]
    fn satisfaction_levels() {
        assert!(Satisfaction::parse(0).is_err());
        assert!(Satisfaction::parse(6).is_err());
        assert_eq!(Satisfaction::parse(5).unwrap().label(), "非常满意");
        assert_eq!(Satisfaction::parse(1).unwrap().value(), 1);
    }

    #[test]
    fn deadlines_in_working_days() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let hol = |m, day| crate::calendar::SpecialDay {
            date: d(2026, m, day),
            kind: crate::DayKind::Holiday,
            festival: "国庆节".into(),
        };
        let mut special: Vec<_> = [(10, 1), (10, 2), (10, 5), (10, 6), (10, 7), (10, 8)]
            .into_iter()
            .map(|(m, day)| hol(m, day))
            .collect();
        special.push(crate::calendar::SpecialDay {
            date: d(2026, 10, 10),
            kind: crate::DayKind::Workday,
            festival: "国庆节".into(),
        });
        let cal = Calendar::new(special, [2026]);
        // Over the National Day holiday, with Saturday 10-10 worked.
        let (c, _) = deadline(
            &cal,
            &DeadlineDays::default(),
            Category::Help,
            d(2026, 9, 30),
        )
        .unwrap();
        assert_eq!(c, d(2026, 10, 12));
        let (c, est) = deadline(
            &cal,
            &DeadlineDays::default(),
            Category::Consultation,
            d(2026, 11, 2),
        )
        .unwrap();
        assert_eq!((c, est), (d(2026, 11, 5), false));
        let (c, _) = deadline(
            &cal,
            &DeadlineDays::default(),
            Category::Complaint,
            d(2026, 11, 2),
        )
        .unwrap();
        assert_eq!(c, d(2026, 11, 19));
        // Past the known years: an estimate.
        let (_, est) = deadline(
            &cal,
            &DeadlineDays::default(),
            Category::Help,
            d(2031, 3, 3),
        )
        .unwrap();
        assert!(est);
    }

    #[test]
    fn configured_deadlines() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let cal = Calendar::new(vec![], [2026]);
        let mut limits = DeadlineDays::default();
        assert_eq!(limits.of(Category::Consultation), 3);
        assert_eq!(limits.of(Category::Complaint), 13);
        assert_eq!(limits.extension(), EXTENSION_WORKING_DAYS);
        limits.set("complaint", 5).unwrap();
        limits.set("extension", 2).unwrap();
        assert_eq!(limits.of(Category::Complaint), 5);
        assert_eq!(limits.extension(), 2);
        // Monday 11-02 + 5 working days: Monday 11-09.
        let (c, _) = deadline(&cal, &limits, Category::Complaint, d(2026, 11, 2)).unwrap();
        assert_eq!(c, d(2026, 11, 9));
        for bad in [0, -1, 61, i64::MAX] {
            let e = limits.set("help", bad).unwrap_err();
            assert_eq!(e.field, "help");
            assert!(
                e.message.contains("求助") && e.message.contains("1至60"),
                "{}",
                e.message
            );
        }
        let e = limits.set("extension", 0).unwrap_err();
        assert_eq!(e.field, "extension");
        let e = limits.set("anger", 3).unwrap_err();
        assert_eq!(e.field, "deadlines");
        assert!(e.message.contains("anger"));
        // Failed sets change nothing.
        assert_eq!(limits.of(Category::Help), 3);
        let entries = limits.entries();
        assert_eq!(entries.len(), 9);
        assert_eq!(entries[2].0, "complaint");
        assert_eq!(entries[2].2, 5);
        assert_eq!(entries[6].0, "extension");
        assert_eq!((entries[7].0, entries[7].2), ("return_window", 2));
        assert_eq!((entries[8].0, entries[8].2), ("max_extensions", 1));
        let e = limits.set("max_extensions", 6).unwrap_err();
        assert!(
            e.message.contains("1至5") && e.message.contains("次"),
            "{}",
            e.message
        );
    }

    #[test]
    fn emergency_numbers() {
        for e in Emergency::ALL {
            assert_eq!(Emergency::parse(e.as_str()), Some(*e));
        }
        assert_eq!(Emergency::parse("120"), Some(Emergency::Ambulance));
        assert_eq!(Emergency::parse("911"), None);
        assert!(Emergency::choices().contains("122"));
    }

    #[test]
    fn dispute_review_of_returns() {
        let agent = Role::HotlineAgent;
        let s = st(S::Signed)
            .transition(A::Return, Role::UnitHandler, Some("不属本单位职责"))
            .unwrap();
        // Rejecting the return sends it back to the unit, which signs again.
        let back = s
            .transition(A::RejectReturn, agent, Some("属本单位职责，请继续办理"))
            .unwrap();
        assert_eq!(back.status, S::Dispatched);
        assert_eq!(
            s.transition(A::RejectReturn, agent, None),
            Err(TransitionError::NoteRequired(A::RejectReturn))
        );
        assert_eq!(
            s.transition(A::RejectReturn, Role::UnitHandler, NOTE),
            Err(TransitionError::Role {
                action: A::RejectReturn
            })
        );
        assert_eq!(
            s.transition(A::RejectReturn, Role::Supervisor, NOTE),
            Err(TransitionError::Role {
                action: A::RejectReturn
            })
        );
        for from in [S::Accepted, S::Dispatched, S::Signed, S::Replied, S::Closed] {
            assert!(matches!(
                st(from).transition(A::RejectReturn, agent, NOTE),
                Err(TransitionError::NotAllowed { .. })
            ));
        }
    }

    #[test]
    fn co_unit_opinions() {
        let unit = Role::UnitHandler;
        for from in [S::Dispatched, S::Signed] {
            assert_eq!(
                st(from).transition(A::CoReply, unit, Some("建议联合执法")),
                Ok(st(from))
            );
        }
        assert_eq!(
            st(S::Signed).transition(A::CoReply, unit, Some(" ")),
            Err(TransitionError::NoteRequired(A::CoReply))
        );
        for from in [S::Accepted, S::Replied, S::Returned, S::Closed, S::Merged] {
            assert!(matches!(
                st(from).transition(A::CoReply, unit, NOTE),
                Err(TransitionError::NotAllowed { .. })
            ));
        }
        assert!(matches!(
            st(S::Signed).transition(A::CoReply, Role::HotlineAgent, NOTE),
            Err(TransitionError::Role { .. })
        ));
        // A co-unit gives its opinion only; the lead unit handles and replies.
        assert_eq!(A::CoReply.open_to_unit(UnitRelation::Co), Ok(()));
        for a in [A::Sign, A::Reply, A::Return, A::RequestExtension] {
            assert_eq!(a.open_to_unit(UnitRelation::Lead), Ok(()));
            let e = a.open_to_unit(UnitRelation::Co).unwrap_err();
            assert_eq!(e, TransitionError::CoUnitOnly { action: a });
            assert!(e.to_string().contains("协办单位"), "{e}");
        }
        assert_eq!(
            A::CoReply.open_to_unit(UnitRelation::Lead),
            Err(TransitionError::LeadNoCoReply)
        );
    }

    #[test]
    fn extension_asked_before_the_deadline() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(check_extension_request(Some(d(11, 9)), d(11, 9)), Ok(()));
        assert_eq!(check_extension_request(None, d(11, 9)), Ok(()));
        let e = check_extension_request(Some(d(11, 9)), d(11, 10)).unwrap_err();
        assert!(e.to_string().contains("2026-11-09"), "{e}");
    }

    #[test]
    fn order_numbers() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let no = order_no(d, 42);
        assert_eq!(no, "12345-20261127-00042");
        assert!(is_order_no(&no));
        assert!(!is_order_no("12345-2026112-00042"));
        assert!(!is_order_no("x' OR 1=1"));
    }
}
