//! 办件: a case from application to result. The lifecycle is a state machine; every
//! action is checked against the current status and the actor's role before the store
//! records it. The legal clocks (法定/承诺时限) count from the day after acceptance and
//! stop while the case waits for supplements (补正) or a special procedure (特别程序).

use crate::calendar::{Calendar, CalendarError, Pause, TimeUnit};
use crate::org::Role;
use crate::{Faults, Invalid, codes};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

coded_enum! {
    CaseStatus {
        /// 已申请: submitted online, awaiting pre-review and acceptance (网上预审)
        Submitted = ("submitted", "待受理"),
        /// 已受理 / 审查中
        Accepted = ("accepted", "审查中"),
        /// 待补正: the clock stops until materials arrive
        SupplementRequested = ("supplement_requested", "待补正"),
        /// 特别程序: hearing, inspection, expert review; the clock stops
        Suspended = ("suspended", "特别程序中"),
        /// 准予许可, awaiting 办结 (delivery of the result)
        Approved = ("approved", "准予许可"),
        /// 不予许可 (decision)
        Rejected = ("rejected", "不予许可"),
        /// 不予受理
        Refused = ("refused", "不予受理"),
        /// 撤回 (also 视为撤回: a supplement not given by its deadline before acceptance)
        Withdrawn = ("withdrawn", "已撤回"),
        /// 中止: review halted for a cause outside the procedure (the applicant died or
        /// was dissolved, a question another authority must settle first); the clock stops
        Halted = ("halted", "中止审查"),
        /// 终止: review ended without a decision on the merits
        Terminated = ("terminated", "已终止"),
        /// 撤销: a license granted on a commitment (告知承诺制) revoked when the
        /// commitment proved untrue
        Revoked = ("revoked", "已撤销许可"),
        /// 办结
        Closed = ("closed", "已办结"),
    }
}

impl CaseStatus {
    /// No further action is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Rejected
                | Self::Refused
                | Self::Withdrawn
                | Self::Terminated
                | Self::Revoked
                | Self::Closed
        )
    }

    /// The clock is stopped.
    pub fn is_paused(self) -> bool {
        matches!(
            self,
            Self::SupplementRequested | Self::Suspended | Self::Halted
        )
    }
}

coded_enum! {
    Action {
        /// 受理
        Accept = ("accept", "受理"),
        /// 不予受理
        Refuse = ("refuse", "不予受理"),
        /// 补正告知
        RequestSupplement = ("request_supplement", "补正告知"),
        /// 补正材料到达
        Supplement = ("supplement", "补正材料"),
        /// 准予许可
        Approve = ("approve", "准予许可"),
        /// 不予许可
        Reject = ("reject", "不予许可"),
        /// 启动特别程序
        Suspend = ("suspend", "启动特别程序"),
        /// 特别程序结束
        Resume = ("resume", "特别程序结束"),
        /// 延期 (department head)
        Extend = ("extend", "延期"),
        /// 撤回
        Withdraw = ("withdraw", "撤回"),
        /// 中止审查
        Halt = ("halt", "中止审查"),
        /// 恢复审查 (after 中止)
        Restart = ("restart", "恢复审查"),
        /// 终止审查
        Terminate = ("terminate", "终止审查"),
        /// 逾期未补正: the supplement's deadline passed; 视为撤回 before acceptance, 终止 after
        Lapse = ("lapse", "逾期未补正"),
        /// 送达: the decision delivered to the applicant (Art. 44)
        Deliver = ("deliver", "送达"),
        /// 补齐容缺材料: the materials accepted as missing (容缺受理) arrive
        CompleteDeferred = ("complete_deferred", "补齐容缺材料"),
        /// 核查属实: a commitment (告知承诺制) verified as true
        VerifyCommitment = ("verify_commitment", "核查承诺属实"),
        /// 撤销许可: the commitment proved untrue
        Revoke = ("revoke", "撤销许可（承诺不实）"),
        /// 办结
        Close = ("close", "办结"),
    }
}

impl Action {
    /// A note is the law's written reason: refusals, decisions against the applicant,
    /// the list of missing materials, the special procedure, the extension, and the
    /// applicant's own request and reason for a withdrawal.
    pub fn requires_note(self) -> bool {
        matches!(
            self,
            Self::Refuse
                | Self::Reject
                | Self::RequestSupplement
                | Self::Suspend
                | Self::Extend
                | Self::Withdraw
                | Self::Halt
                | Self::Terminate
                | Self::Revoke
        )
    }

    /// Whether the action's note is written for the applicant (the reasons, what is
    /// missing, the procedure, the delivery), and so shown on their progress pages;
    /// other notes are the office's own.
    pub fn tells_applicant(self) -> bool {
        self.requires_note()
            || matches!(
                self,
                Self::Lapse | Self::Deliver | Self::CompleteDeferred | Self::VerifyCommitment
            )
    }

    /// Roles allowed to take the action (scoping to department/point is the store's).
    pub fn allowed_for(self, role: Role) -> bool {
        use Role::*;
        match self {
            Self::Accept | Self::Refuse | Self::Supplement => {
                matches!(role, WindowClerk | TownClerk)
            }
            Self::RequestSupplement => {
                matches!(role, WindowClerk | TownClerk | Approver | DepartmentHead)
            }
            // Only at the applicant's request, which the window receives in writing.
            Self::Withdraw => matches!(role, WindowClerk | TownClerk),
            Self::Approve
            | Self::Reject
            | Self::Suspend
            | Self::Resume
            | Self::Halt
            | Self::Restart
            | Self::Terminate => matches!(role, Approver | DepartmentHead),
            // Recorded by the platform when the deadline passes, or by staff then.
            Self::Lapse | Self::Deliver | Self::CompleteDeferred => {
                matches!(role, WindowClerk | TownClerk | Approver | DepartmentHead)
            }
            Self::VerifyCommitment => matches!(role, Approver | DepartmentHead),
            // Taking back a license is the head's decision.
            Self::Revoke => role == DepartmentHead,
            Self::Extend => role == DepartmentHead,
            Self::Close => matches!(role, WindowClerk | TownClerk | Approver | DepartmentHead),
        }
    }
}

/// What a case knows when an action is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseState {
    pub status: CaseStatus,
    pub accepted: bool,
    pub extended: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("办件当前状态为“{}”，不能执行“{}”", .status.label(), .action.label())]
    NotAllowed { status: CaseStatus, action: Action },
    #[error("“{}”须由{}办理", .action.label(), allowed_roles(*.action))]
    Role { action: Action },
    #[error("“{}”须填写理由或说明", .0.label())]
    NoteRequired(Action),
    #[error("该办件已延期一次，不能再次延期")]
    AlreadyExtended,
}

fn allowed_roles(action: Action) -> String {
    Role::ALL
        .iter()
        .filter(|r| action.allowed_for(**r))
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("或")
}

impl CaseState {
    /// 撤回 by the applicant themself, online: the same states a clerk could withdraw
    /// from on their written request, with their reason.
    pub fn withdrawn_by_applicant(self, reason: &str) -> Result<CaseStatus, TransitionError> {
        use CaseStatus as S;
        match self.status {
            S::Submitted | S::Accepted | S::SupplementRequested | S::Suspended | S::Halted => {}
            status => {
                return Err(TransitionError::NotAllowed {
                    status,
                    action: Action::Withdraw,
                });
            }
        }
        if reason.trim().is_empty() {
            return Err(TransitionError::NoteRequired(Action::Withdraw));
        }
        Ok(S::Withdrawn)
    }

    /// The status after `action`, or why it cannot be taken.
    pub fn transition(
        self,
        action: Action,
        role: Role,
        note: Option<&str>,
    ) -> Result<CaseStatus, TransitionError> {
        if !action.allowed_for(role) {
            return Err(TransitionError::Role { action });
        }
        self.next(action, note)
    }

    /// The status after `action` whoever takes it: the platform itself records a
    /// supplement's lapse when its deadline passes.
    pub fn next(self, action: Action, note: Option<&str>) -> Result<CaseStatus, TransitionError> {
        use Action as A;
        use CaseStatus as S;
        let next = match (self.status, action) {
            (S::Submitted, A::Accept) => S::Accepted,
            (S::Submitted | S::SupplementRequested, A::Refuse) if !self.accepted => S::Refused,
            (S::Submitted | S::Accepted, A::RequestSupplement) => S::SupplementRequested,
            (S::SupplementRequested, A::Supplement) => {
                if self.accepted {
                    S::Accepted
                } else {
                    S::Submitted
                }
            }
            (S::Accepted, A::Approve) => S::Approved,
            (S::Accepted, A::Reject) => S::Rejected,
            (S::Accepted, A::Suspend) => S::Suspended,
            (S::Suspended, A::Resume) => S::Accepted,
            (S::Accepted, A::Halt) => S::Halted,
            (S::Halted, A::Restart) => S::Accepted,
            (S::Accepted | S::Suspended | S::Halted | S::SupplementRequested, A::Terminate)
                if self.accepted =>
            {
                S::Terminated
            }
            (S::SupplementRequested, A::Lapse) => {
                if self.accepted {
                    S::Terminated
                } else {
                    S::Withdrawn
                }
            }
            (S::Accepted | S::Suspended | S::Halted | S::SupplementRequested, A::Extend)
                if self.accepted =>
            {
                if self.extended {
                    return Err(TransitionError::AlreadyExtended);
                }
                self.status
            }
            (
                S::Submitted | S::Accepted | S::SupplementRequested | S::Suspended | S::Halted,
                A::Withdraw,
            ) => S::Withdrawn,
            (S::Approved, A::Close) => S::Closed,
            // The decision, once made and written, is delivered (a status of its own
            // is not needed: the record and its clock are the case's).
            (S::Closed | S::Rejected, A::Deliver) => self.status,
            // Whether anything is outstanding or was granted on a commitment is the
            // store's to check; the status stays.
            (
                S::Accepted | S::SupplementRequested | S::Suspended | S::Halted,
                A::CompleteDeferred,
            ) if self.accepted => self.status,
            (S::Approved | S::Closed, A::VerifyCommitment) => self.status,
            (S::Approved | S::Closed, A::Revoke) => S::Revoked,
            (status, action) => return Err(TransitionError::NotAllowed { status, action }),
        };
        if action.requires_note() && note.is_none_or(|n| n.trim().is_empty()) {
            return Err(TransitionError::NoteRequired(action));
        }
        Ok(next)
    }
}

coded_enum! {
    /// Application channel.
    Channel {
        Online = ("online", "网上申请"),
        Window = ("window", "窗口申请"),
    }
}

coded_enum! {
    /// 证件类型 of a natural-person applicant.
    IdType {
        ResidentId = ("resident_id", "居民身份证"),
        Passport = ("passport", "护照"),
        HkMacaoPermit = ("hk_macao_permit", "港澳居民来往内地通行证"),
        TaiwanPermit = ("taiwan_permit", "台湾居民来往大陆通行证"),
        ForeignPermanent = ("foreign_permanent", "外国人永久居留身份证"),
        ResidencePermit = ("hmt_residence_permit", "港澳台居民居住证"),
    }
}

/// An application as the API or a form gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplicationInput {
    pub item_code: Option<String>,
    pub channel: Option<String>,
    pub point: Option<String>,
    pub applicant: Option<ApplicantInput>,
    /// Names of the materials handed in; when given, checked against the item.
    pub materials: Option<Vec<String>>,
    /// At a window, `false` registers the application without accepting it yet, so
    /// the clerk can ask for missing materials (补正) or refuse it (不予受理).
    pub accept: Option<bool>,
    /// The portal's draft whose uploaded files become the case's materials.
    #[serde(skip)]
    pub draft: Option<String>,
    pub note: Option<String>,
    /// 容缺受理 (window): materials the item marks 可容缺, accepted as missing and
    /// to be supplied before the decision.
    #[serde(default)]
    pub deferred: Option<Vec<String>>,
    /// 告知承诺制 (window): the applicant signed the commitment that the conditions
    /// are met; the item must allow it.
    #[serde(default)]
    pub commitment: Option<bool>,
    /// 经办人/代理人: the person at the window for the applicant, with the power of
    /// attorney (授权委托书).
    #[serde(default)]
    pub agent: Option<AgentInput>,
    /// 帮办代办: the clerk handles the application on the applicant's behalf.
    #[serde(default)]
    pub assisted: Option<bool>,
    /// The application form's answers, by field name (the item's `fields`).
    #[serde(default)]
    pub form: Option<std::collections::BTreeMap<String, String>>,
}

/// The agent as the API or a form gives them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AgentInput {
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    /// The power of attorney was handed in.
    pub power_of_attorney: Option<bool>,
}

/// An agent checked: name, resident ID number, phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub name: String,
    pub id_number: String,
    pub phone: codes::Mobile,
}

impl Agent {
    fn parse(input: &AgentInput, today: NaiveDate, faults: &mut Faults) -> Option<Self> {
        let name = faults.take(crate::required_text(
            "agent.name",
            "代理人姓名",
            input.name.as_deref().unwrap_or(""),
            50,
        ));
        let id = faults.take(
            codes::IdNumber::parse_at(input.id_number.as_deref().unwrap_or("").trim(), today)
                .map_err(|e| Invalid::new("agent.id_number", format!("代理人身份证号码：{e}"))),
        );
        let phone = faults.take(
            codes::Mobile::parse(input.phone.as_deref().unwrap_or(""))
                .map_err(|e| Invalid::new("agent.phone", format!("代理人联系电话：{e}"))),
        );
        if input.power_of_attorney != Some(true) {
            faults.push(Invalid::new(
                "agent.power_of_attorney",
                "代理人办理须提交申请人签署的授权委托书",
            ));
            return None;
        }
        Some(Self {
            name: name?,
            id_number: id?.as_str().to_string(),
            phone: phone?,
        })
    }
}

coded_enum! {
    /// How an application is taken.
    Mode {
        Standard = ("standard", "一般受理"),
        /// 容缺受理: accepted with non-essential materials to follow
        Tolerance = ("tolerance", "容缺受理"),
        /// 告知承诺制: approved on the applicant's signed commitment
        Commitment = ("commitment", "告知承诺制"),
        /// 秒批: approved at once by the system under the item's rules
        Auto = ("auto", "秒批"),
    }
}

/// Who files an application: a clerk for the applicant in front of them, or a person
/// signed in to the portal, whose verified name, ID number and phone are used.
#[derive(Debug, Clone, Copy)]
pub enum Filer<'a> {
    Clerk,
    Portal {
        name: &'a str,
        id_number: &'a str,
        phone: &'a str,
    },
}

/// An application checked field by field, before any catalog rule is asked.
#[derive(Debug, Clone)]
pub struct Application {
    pub item_code: String,
    pub channel: Channel,
    /// The service point asked for (a clerk's own point otherwise).
    pub point: Option<String>,
    pub applicant: Applicant,
    pub materials: Option<Vec<String>>,
    /// Accepted at once when taken at a window (`false`: registered only).
    pub accept: bool,
    pub draft: Option<String>,
    pub note: Option<String>,
    pub mode: Mode,
    /// 容缺受理: the materials accepted as missing.
    pub deferred: Vec<String>,
    pub agent: Option<Agent>,
    pub assisted: bool,
    /// The form's answers as given (checked against the item's fields when placed).
    pub form: std::collections::BTreeMap<String, String>,
    /// Materials the joint application itself supplies (the business license a
    /// bundle that opens a business issues): asked of no one, counted as present.
    pub provided: Vec<String>,
}

impl Application {
    /// The application, or every fault of its fields at once.
    pub fn parse(
        input: &ApplicationInput,
        filer: Filer<'_>,
        today: NaiveDate,
    ) -> Result<Self, Vec<Invalid>> {
        let mut faults = Faults::default();
        let item_code = input
            .item_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if item_code.is_none() {
            faults.push(Invalid::new("item_code", "请填写事项编码"));
        }
        let channel = match (filer, input.channel.as_deref()) {
            (Filer::Portal { .. }, _) => Some(Channel::Online),
            (Filer::Clerk, Some(c)) => faults.take(Channel::parse(c).ok_or_else(|| {
                Invalid::new("channel", "申请渠道应为 online（网上）或 window（窗口）")
            })),
            (Filer::Clerk, None) => {
                faults.push(Invalid::new("channel", "请填写申请渠道：online 或 window"));
                None
            }
        };
        let applicant = match Self::applicant_input(input, filer) {
            None => {
                faults.push(Invalid::new("applicant", "请填写申请人信息"));
                None
            }
            Some(ai) => match Applicant::parse_all(&ai, today) {
                Ok(a) => Some(a),
                Err(all) => {
                    all.into_iter().for_each(|e| faults.push(e));
                    None
                }
            },
        };
        let note = match input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(n) => faults.take(crate::required_text("note", "备注", n, 1000)),
            None => None,
        };
        // The ways of a window: what a portal application cannot ask for.
        let at_window = matches!(filer, Filer::Clerk) && channel == Some(Channel::Window);
        let deferred: Vec<String> = input
            .deferred
            .iter()
            .flatten()
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect();
        let commitment = input.commitment == Some(true);
        let mode = match (commitment, deferred.is_empty()) {
            (true, false) => {
                faults.push(Invalid::new(
                    "deferred",
                    "告知承诺制申请以申请人承诺代替核查，不再容缺受理",
                ));
                Mode::Commitment
            }
            (true, true) => Mode::Commitment,
            (false, false) => Mode::Tolerance,
            (false, true) => Mode::Standard,
        };
        if mode != Mode::Standard && !at_window {
            faults.push(Invalid::new(
                if commitment { "commitment" } else { "deferred" },
                "容缺受理和告知承诺制在窗口受理时办理",
            ));
        }
        if mode != Mode::Standard && input.accept == Some(false) {
            faults.push(Invalid::new(
                if commitment { "commitment" } else { "deferred" },
                "容缺受理和告知承诺制须当场受理（accept 不能为 false）",
            ));
        }
        let agent = match (&input.agent, filer) {
            (Some(a), Filer::Clerk) => Agent::parse(a, today, &mut faults),
            _ => None,
        };
        let assisted = matches!(filer, Filer::Clerk) && input.assisted == Some(true);
        let parsed = match (item_code, channel, applicant) {
            (Some(item_code), Some(channel), Some(applicant)) => Some(Application {
                item_code,
                channel,
                point: input.point.clone().filter(|p| !p.trim().is_empty()),
                applicant,
                materials: input.materials.clone(),
                accept: input.accept != Some(false),
                draft: input.draft.clone(),
                note,
                mode,
                deferred,
                agent,
                assisted,
                form: input.form.clone().unwrap_or_default(),
                provided: vec![],
            }),
            _ => None,
        };
        faults.finish(parsed)
    }

    /// The applicant as given, or, on the portal, the signed-in person themself (or
    /// as the contact of an organisation) with their verified identity and phone.
    fn applicant_input(input: &ApplicationInput, filer: Filer<'_>) -> Option<ApplicantInput> {
        match filer {
            Filer::Clerk => input.applicant.clone(),
            Filer::Portal {
                name,
                id_number,
                phone,
            } => {
                let mut ai = input.applicant.clone().unwrap_or_default();
                ai.phone = Some(phone.to_string());
                if ai.kind.as_deref() == Some("organisation") {
                    ai.contact = Some(name.to_string());
                } else {
                    ai.kind = Some("person".into());
                    ai.name = Some(name.to_string());
                    ai.id_type = None;
                    ai.id_number = Some(id_number.to_string());
                }
                Some(ai)
            }
        }
    }
}

/// A validated applicant: a person with an identity document, or an organisation with
/// its unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applicant {
    Person {
        name: String,
        id_type: IdType,
        id_number: String,
        phone: codes::Phone,
    },
    Organisation {
        name: String,
        credit_code: codes::CreditCode,
        contact: String,
        phone: codes::Phone,
    },
}

/// Raw applicant input, as a form or JSON body gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplicantInput {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub id_type: Option<String>,
    pub id_number: Option<String>,
    pub credit_code: Option<String>,
    pub contact: Option<String>,
    pub phone: Option<String>,
}

impl Applicant {
    /// The applicant, or its first fault.
    pub fn parse(input: &ApplicantInput, today: NaiveDate) -> Result<Self, Invalid> {
        Self::parse_all(input, today).map_err(|mut faults| faults.remove(0))
    }

    /// The applicant, or every fault of its fields at once.
    pub fn parse_all(input: &ApplicantInput, today: NaiveDate) -> Result<Self, Vec<Invalid>> {
        let mut faults = Faults::default();
        let name = faults.take(crate::required_text(
            "applicant.name",
            "申请人名称",
            input.name.as_deref().unwrap_or(""),
            100,
        ));
        // A landline will do (an applicant may give 0512-…); only a mobile gets
        // text messages and the real-name binding.
        let phone = faults.take(
            codes::Phone::parse(input.phone.as_deref().unwrap_or(""))
                .map_err(|e| Invalid::new("applicant.phone", format!("联系电话：{e}"))),
        );
        let applicant = match input.kind.as_deref() {
            Some("person") => {
                let id = faults.take(Self::identity(input, today));
                match (name, phone, id) {
                    (Some(name), Some(phone), Some((id_type, id_number))) => Some(Self::Person {
                        name,
                        id_type,
                        id_number,
                        phone,
                    }),
                    _ => None,
                }
            }
            Some("organisation") => {
                let credit_code = faults.take(
                    codes::CreditCode::parse(input.credit_code.as_deref().unwrap_or("")).map_err(
                        |e| Invalid::new("applicant.credit_code", format!("统一社会信用代码：{e}")),
                    ),
                );
                let contact = match input.contact.as_deref().map(str::trim) {
                    Some(c) if !c.is_empty() => {
                        faults.take(crate::required_text("applicant.contact", "联系人", c, 50))
                    }
                    _ => name.clone(),
                };
                match (name, phone, credit_code, contact) {
                    (Some(name), Some(phone), Some(credit_code), Some(contact)) => {
                        Some(Self::Organisation {
                            name,
                            credit_code,
                            contact,
                            phone,
                        })
                    }
                    _ => None,
                }
            }
            _ => {
                faults.push(Invalid::new(
                    "applicant.kind",
                    "申请人类型应为 person（自然人）或 organisation（法人或其他组织）",
                ));
                None
            }
        };
        faults.finish(applicant)
    }

    /// A person's identity document: its type (a resident ID by default) and number.
    fn identity(input: &ApplicantInput, today: NaiveDate) -> Result<(IdType, String), Invalid> {
        let id_type = match input.id_type.as_deref() {
            None | Some("") => IdType::ResidentId,
            Some(t) => {
                IdType::parse(t).ok_or_else(|| Invalid::new("applicant.id_type", "证件类型无效"))?
            }
        };
        let raw = input.id_number.as_deref().unwrap_or("").trim();
        if raw.is_empty() {
            return Err(Invalid::new("applicant.id_number", "请填写证件号码"));
        }
        let id_number = if id_type == IdType::ResidentId {
            codes::IdNumber::parse_at(raw, today)
                .map_err(|e| Invalid::new("applicant.id_number", format!("身份证号码：{e}")))?
                .as_str()
                .to_string()
        } else if id_type == IdType::ResidencePermit {
            codes::IdNumber::parse_permit_at(raw, today)
                .map_err(|e| Invalid::new("applicant.id_number", format!("居住证号码：{e}")))?
                .as_str()
                .to_string()
        } else {
            let ok =
                (5..=20).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric());
            if !ok {
                return Err(Invalid::new(
                    "applicant.id_number",
                    "证件号码应为5至20位字母或数字",
                ));
            }
            raw.to_ascii_uppercase()
        };
        Ok((id_type, id_number))
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Person { .. } => "person",
            Self::Organisation { .. } => "organisation",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Self::Person { name, .. } | Self::Organisation { name, .. } => name,
        }
    }

    pub fn phone(&self) -> &codes::Phone {
        match self {
            Self::Person { phone, .. } | Self::Organisation { phone, .. } => phone,
        }
    }

    /// The last six characters an applicant types to query progress.
    pub fn last_six(&self) -> String {
        let s = match self {
            Self::Person { id_number, .. } => id_number.as_str(),
            Self::Organisation { credit_code, .. } => credit_code.as_str(),
        };
        let n = s.chars().count();
        s.chars().skip(n.saturating_sub(6)).collect()
    }
}

/// Masks an identity document number for lists: first 6 and last 4 shown.
pub fn mask_id(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 8 {
        let keep = chars.len().min(2);
        return chars[..keep].iter().collect::<String>() + &"*".repeat(chars.len() - keep);
    }
    let n = chars.len();
    let head = if n >= 15 { 6 } else { 2 };
    chars[..head].iter().collect::<String>()
        + &"*".repeat(n - head - 4)
        + &chars[n - 4..].iter().collect::<String>()
}

/// A case number: `{POINT}-{YYYYMMDD}-{NNNNN}`, unique, readable, showing the point and
/// the day of application.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CaseNo(String);

impl CaseNo {
    pub fn new(point_code: &str, day: NaiveDate, seq: u32) -> Self {
        Self(format!(
            "{}-{}-{:05}",
            point_code,
            day.format("%Y%m%d"),
            seq
        ))
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let bad = || {
            Invalid::new(
                "case_no",
                "办件编号格式应为“服务点代码-年月日-序号”，如 ZX-20261127-00012",
            )
        };
        let s = s.trim();
        let mut parts = s.rsplitn(3, '-');
        let (seq, day, point) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        let point_ok = !point.is_empty()
            && point.len() <= 16
            && point
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let seq_ok = seq.len() >= 5 && seq.len() <= 7 && seq.chars().all(|c| c.is_ascii_digit());
        if !point_ok || !seq_ok || !is_yyyymmdd(day) {
            return Err(bad());
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Eight digits that are a real day (`20261127`): read digit by digit, as every
/// case lookup checks its number (chrono's format parser took a microsecond).
fn is_yyyymmdd(day: &str) -> bool {
    let b = day.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    NaiveDate::from_ymd_opt(n(0..4) as i32, n(4..6), n(6..8)).is_some()
}

impl std::fmt::Display for CaseNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

coded_enum! {
    /// Timeliness of an open case against its promised deadline.
    Urgency {
        Normal = ("normal", "正常"),
        /// 临近到期: due within the warning window
        NearlyDue = ("nearly_due", "临近到期"),
        /// 已超期
        Overdue = ("overdue", "已超期"),
        /// 计时暂停
        Paused = ("paused", "计时暂停"),
    }
}

coded_enum! {
    /// The special procedures whose time does not count in the limits (《行政许可法》
    /// 第四十五条): the list is the law's own.
    SpecialProcedure {
        Hearing = ("hearing", "听证"),
        Tender = ("tender", "招标"),
        Auction = ("auction", "拍卖"),
        Inspection = ("inspection", "检验"),
        Testing = ("testing", "检测"),
        Quarantine = ("quarantine", "检疫"),
        Appraisal = ("appraisal", "鉴定"),
        ExpertReview = ("expert_review", "专家评审"),
    }
}

coded_enum! {
    /// How a decision reaches the applicant (送达方式).
    DeliveryMethod {
        Window = ("window", "窗口领取"),
        Post = ("post", "邮寄送达"),
        Electronic = ("electronic", "电子送达"),
    }
}

/// Working days from a decision within which it must be delivered (行政许可法第四十四
/// 条：自作出决定之日起十日内；第八十二条：期限以工作日计算).
pub const DELIVERY_DAYS: u32 = 10;

/// A delivery as a form or the API gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeliveryInput {
    pub method: Option<String>,
    /// Who received it (signed for it at the window, or on the post's receipt).
    pub recipient: Option<String>,
    /// The post's tracking number, or the electronic delivery's address.
    pub reference: Option<String>,
    /// The day delivered (`YYYY-MM-DD`, today by default).
    pub on: Option<String>,
}

/// A delivery checked: its method, the day, who received it, the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub method: DeliveryMethod,
    pub on: NaiveDate,
    pub recipient: String,
    pub reference: Option<String>,
}

impl Delivery {
    /// The delivery, or every fault at once: a known method, a recipient, a tracking
    /// number for the post, a day neither before the decision nor in the future.
    pub fn parse(
        input: &DeliveryInput,
        decided_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Self, Vec<Invalid>> {
        let mut faults = Faults::default();
        let method = match input.method.as_deref().map(str::trim) {
            None | Some("") => {
                faults.push(Invalid::new(
                    "delivery_method",
                    format!("请选择送达方式：{}", DeliveryMethod::choices()),
                ));
                None
            }
            Some(m) => faults.take(DeliveryMethod::parse_code_or_label(m).ok_or_else(|| {
                Invalid::new(
                    "delivery_method",
                    format!("送达方式“{m}”无效，应为：{}", DeliveryMethod::choices()),
                )
            })),
        };
        let recipient = faults.take(crate::required_text(
            "recipient",
            "签收人",
            input.recipient.as_deref().unwrap_or(""),
            100,
        ));
        let reference = match input.reference.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => faults.take(crate::required_text(
                "tracking_no",
                "邮件单号或送达地址",
                r,
                100,
            )),
            _ => {
                if method == Some(DeliveryMethod::Post) {
                    faults.push(Invalid::new("tracking_no", "邮寄送达须填写邮件单号"));
                }
                None
            }
        };
        let on = match input.on.as_deref().map(str::trim) {
            None | Some("") => Some(today),
            Some(d) => faults.take(
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| Invalid::new("delivered_on", "送达日期格式应为 YYYY-MM-DD"))
                    .and_then(|d| {
                        if d > today {
                            Err(Invalid::new("delivered_on", "送达日期不能晚于今天"))
                        } else if d < decided_on {
                            Err(Invalid::new("delivered_on", "送达日期不能早于作出决定之日"))
                        } else {
                            Ok(d)
                        }
                    }),
            ),
        };
        let parsed = match (method, recipient, on) {
            (Some(method), Some(recipient), Some(on)) => Some(Self {
                method,
                on,
                recipient,
                reference,
            }),
            _ => None,
        };
        faults.finish(parsed)
    }
}

/// Longest expected duration of a special procedure, in days.
pub const MAX_SPECIAL_DAYS: i64 = 365;

/// Working days within which an application must be accepted, refused or told what
/// is missing (行政许可法第三十二条); later, it counts as accepted on receipt.
pub const DEEMED_ACCEPTANCE_DAYS: u32 = 5;

/// An application not yet accepted, as Art. 32 sees it: the day it was received and
/// the supplement notices given so far.
#[derive(Debug, Clone, Copy)]
pub struct BeforeAcceptance {
    pub received: NaiveDate,
    /// Supplement notices given (补正告知).
    pub notices: usize,
    /// Further notices a supervisor allowed, each with its reason on record.
    pub allowances: usize,
    /// The day of the first one.
    pub first_notice: Option<NaiveDate>,
}

impl BeforeAcceptance {
    /// Accepted by law on the day it was received: neither decided nor told what is
    /// missing within five working days.
    pub fn deemed_accepted(&self, cal: &Calendar, today: NaiveDate) -> bool {
        let days = |to| cal.working_days_between(self.received, to).unwrap_or(0);
        let late = days(today) > DEEMED_ACCEPTANCE_DAYS;
        let told_in_time = self
            .first_notice
            .is_some_and(|d| days(d) <= DEEMED_ACCEPTANCE_DAYS);
        late && !told_in_time
    }

    /// The last day to accept, refuse or tell what is missing (the fifth working day
    /// after receipt), while no notice has been given; past it the application counts
    /// as accepted.
    pub fn answer_by(&self, cal: &Calendar) -> Option<NaiveDate> {
        if self.notices > 0 {
            return None;
        }
        Some(cal.deadline_or_estimate(self.received, DEEMED_ACCEPTANCE_DAYS))
    }

    /// Whether `action` may still be taken before acceptance: the missing materials
    /// are told all at once (one notice), and once the application counts as
    /// accepted it can no longer be refused (a late notice is given, but does not
    /// stop the clock: the acceptance dates from receipt).
    pub fn check(&self, action: Action, cal: &Calendar, today: NaiveDate) -> Result<(), String> {
        match action {
            Action::RequestSupplement if self.notices > self.allowances => Err(
                "《行政许可法》第三十二条：需要补正的全部内容应一次性告知，该申请已告知过补正；确需再次告知的，须经督查人员准许"
                    .into(),
            ),
            Action::Refuse if self.deemed_accepted(cal, today) => Err(format!(
                "《行政许可法》第三十二条：收到申请{DEEMED_ACCEPTANCE_DAYS}个工作日内未作决定也未告知补正，自收到申请之日起即为受理，不能再作出不予受理决定"
            )),
            _ => Ok(()),
        }
    }
}

/// Working days an applicant is given to supply what a supplement notice lists,
/// unless the notice names its own; and the most a notice may give.
pub const DEFAULT_SUPPLY_DAYS: u32 = 10;
pub const MAX_SUPPLY_DAYS: u32 = 60;

/// Working days before a deadline when a case is flagged as nearly due.
pub const NEARLY_DUE_WORKING_DAYS: u32 = 2;

/// The deadlines of an accepted case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    pub promised: Option<NaiveDate>,
    pub legal: Option<NaiveDate>,
}

/// Computes a case's deadlines from its acceptance day, its limits, an approved
/// extension (added to the legal limit) and its pauses. `None` while paused.
pub fn clocks(
    cal: &Calendar,
    accepted_on: NaiveDate,
    promised: (u32, TimeUnit),
    statutory: (u32, TimeUnit),
    extension_days: u32,
    pauses: &[Pause],
) -> Result<Clocks, CalendarError> {
    let promised = cal.due_date(accepted_on, promised.0, promised.1, pauses)?;
    let legal = if statutory.0 == 0 {
        None
    } else {
        cal.due_date(
            accepted_on,
            statutory.0 + extension_days,
            statutory.1,
            pauses,
        )?
    };
    Ok(Clocks { promised, legal })
}

/// How urgent an open case is on `today`.
pub fn urgency(
    cal: &Calendar,
    deadline: Option<NaiveDate>,
    status: CaseStatus,
    today: NaiveDate,
) -> Urgency {
    if status.is_paused() {
        return Urgency::Paused;
    }
    let Some(d) = deadline else {
        return Urgency::Normal;
    };
    if today > d {
        return Urgency::Overdue;
    }
    match cal.working_days_between(today, d) {
        Ok(n) if n <= NEARLY_DUE_WORKING_DAYS => Urgency::NearlyDue,
        Ok(_) => Urgency::Normal,
        Err(_) => Urgency::Normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(status: CaseStatus, accepted: bool) -> CaseState {
        CaseState {
            status,
            accepted,
            extended: false,
        }
    }

    #[test]
    fn happy_path() {
        let s = st(CaseStatus::Submitted, false);
        let s = s
            .transition(Action::Accept, Role::WindowClerk, None)
            .unwrap();
        assert_eq!(s, CaseStatus::Accepted);
        let s = st(s, true)
            .transition(Action::Approve, Role::Approver, None)
            .unwrap();
        assert_eq!(s, CaseStatus::Approved);
        let s = st(s, true)
            .transition(Action::Close, Role::WindowClerk, None)
            .unwrap();
        assert_eq!(s, CaseStatus::Closed);
    }

    #[test]
    fn supplement_returns_to_where_it_was() {
        let pre = st(CaseStatus::SupplementRequested, false);
        assert_eq!(
            pre.transition(Action::Supplement, Role::WindowClerk, None)
                .unwrap(),
            CaseStatus::Submitted
        );
        let post = st(CaseStatus::SupplementRequested, true);
        assert_eq!(
            post.transition(Action::Supplement, Role::WindowClerk, None)
                .unwrap(),
            CaseStatus::Accepted
        );
        // A case already accepted cannot be refused acceptance afterwards.
        assert!(
            post.transition(Action::Refuse, Role::WindowClerk, Some("x"))
                .is_err()
        );
    }

    /// Every (status, action) pair outside the table is rejected.
    #[test]
    fn every_invalid_transition_is_rejected() {
        use Action as A;
        use CaseStatus as S;
        let valid: &[(S, bool, A)] = &[
            (S::Submitted, false, A::Accept),
            (S::Submitted, false, A::Refuse),
            (S::SupplementRequested, false, A::Refuse),
            (S::Submitted, false, A::RequestSupplement),
            (S::Accepted, true, A::RequestSupplement),
            (S::SupplementRequested, false, A::Supplement),
            (S::SupplementRequested, true, A::Supplement),
            (S::Accepted, true, A::Approve),
            (S::Accepted, true, A::Reject),
            (S::Accepted, true, A::Suspend),
            (S::Suspended, true, A::Resume),
            (S::Accepted, true, A::Extend),
            (S::Suspended, true, A::Extend),
            (S::Halted, true, A::Extend),
            (S::SupplementRequested, true, A::Extend),
            (S::Accepted, true, A::Halt),
            (S::Halted, true, A::Restart),
            (S::Accepted, true, A::Terminate),
            (S::Suspended, true, A::Terminate),
            (S::Halted, true, A::Terminate),
            (S::SupplementRequested, true, A::Terminate),
            (S::SupplementRequested, false, A::Lapse),
            (S::SupplementRequested, true, A::Lapse),
            (S::Halted, true, A::Withdraw),
            (S::Closed, true, A::Deliver),
            (S::Rejected, true, A::Deliver),
            (S::Accepted, true, A::CompleteDeferred),
            (S::SupplementRequested, true, A::CompleteDeferred),
            (S::Suspended, true, A::CompleteDeferred),
            (S::Halted, true, A::CompleteDeferred),
            (S::Approved, true, A::VerifyCommitment),
            (S::Closed, true, A::VerifyCommitment),
            (S::Approved, true, A::Revoke),
            (S::Closed, true, A::Revoke),
            (S::Submitted, false, A::Withdraw),
            (S::SupplementRequested, false, A::Withdraw),
            (S::Accepted, true, A::Withdraw),
            (S::SupplementRequested, true, A::Withdraw),
            (S::Suspended, true, A::Withdraw),
            (S::Approved, true, A::Close),
        ];
        // Combinations a case can actually be in.
        let possible = |status: S, accepted: bool| match status {
            S::Submitted | S::Refused => !accepted,
            S::Accepted
            | S::Suspended
            | S::Halted
            | S::Terminated
            | S::Revoked
            | S::Approved
            | S::Rejected
            | S::Closed => accepted,
            S::SupplementRequested | S::Withdrawn => true,
        };
        for &status in CaseStatus::ALL {
            for accepted in [false, true] {
                if !possible(status, accepted) {
                    continue;
                }
                for &action in Action::ALL {
                    let role = Role::ALL
                        .iter()
                        .copied()
                        .find(|r| action.allowed_for(*r))
                        .unwrap();
                    let role = if matches!(action, A::Extend | A::Revoke) {
                        Role::DepartmentHead
                    } else {
                        role
                    };
                    let r = st(status, accepted).transition(action, role, Some("理由"));
                    let expected = valid.contains(&(status, accepted, action));
                    assert_eq!(
                        r.is_ok(),
                        expected,
                        "{status:?} accepted={accepted} {action:?}: {r:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn roles_are_checked() {
        let s = st(CaseStatus::Accepted, true);
        assert!(matches!(
            s.transition(Action::Approve, Role::WindowClerk, None),
            Err(TransitionError::Role { .. })
        ));
        assert!(
            s.transition(Action::Extend, Role::Approver, Some("x"))
                .is_err()
        );
        assert!(
            s.transition(Action::Extend, Role::DepartmentHead, Some("需现场核查"))
                .is_ok()
        );
        for r in [
            Role::Supervisor,
            Role::Admin,
            Role::HotlineAgent,
            Role::UnitHandler,
        ] {
            for &a in Action::ALL {
                assert!(!a.allowed_for(r), "{r:?} must not {a:?}");
            }
        }
        let e = s
            .transition(Action::Approve, Role::WindowClerk, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("部门审批人员"), "{e}");
    }

    #[test]
    fn notes_and_single_extension() {
        let s = st(CaseStatus::Submitted, false);
        assert_eq!(
            s.transition(Action::Refuse, Role::WindowClerk, Some("  ")),
            Err(TransitionError::NoteRequired(Action::Refuse))
        );
        let ext = CaseState {
            status: CaseStatus::Accepted,
            accepted: true,
            extended: true,
        };
        assert_eq!(
            ext.transition(Action::Extend, Role::DepartmentHead, Some("x")),
            Err(TransitionError::AlreadyExtended)
        );
    }

    #[test]
    fn case_numbers() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let n = CaseNo::new("ZX", d, 12);
        assert_eq!(n.as_str(), "ZX-20261127-00012");
        assert_eq!(CaseNo::parse("ZX-20261127-00012").unwrap(), n);
        assert!(CaseNo::parse("ZX-20261327-00012").is_err());
        assert!(CaseNo::parse("ZX-20260230-00012").is_err());
        assert!(CaseNo::parse("ZX-2026112-00012").is_err());
        assert!(CaseNo::parse("ZX-2026112a-00012").is_err());
        assert!(CaseNo::parse("ZX-+2026112-00012").is_err());
        assert!(CaseNo::parse("ZX-20240229-00012").is_ok());
        assert!(CaseNo::parse("zx-20261127-00012").is_err());
        assert!(CaseNo::parse("20261127-00012").is_err());
        assert!(CaseNo::parse("PCS1-20261127-123456").is_ok());
    }

    #[test]
    fn applicants() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let mut p = ApplicantInput {
            kind: Some("person".into()),
            name: Some("张三".into()),
            id_number: Some("11010519491231002x".into()),
            phone: Some("138 1234 5678".into()),
            ..Default::default()
        };
        let a = Applicant::parse(&p, today).unwrap();
        assert_eq!(a.last_six(), "31002X");
        p.id_number = Some("110105194912310021".into());
        assert_eq!(
            Applicant::parse(&p, today).unwrap_err().field,
            "applicant.id_number"
        );
        p.kind = Some("robot".into());
        assert_eq!(
            Applicant::parse(&p, today).unwrap_err().field,
            "applicant.kind"
        );
        let o = ApplicantInput {
            kind: Some("organisation".into()),
            name: Some("昆山某某有限公司".into()),
            credit_code: Some("91350100M000100Y4A".into()),
            phone: Some("13812345678".into()),
            ..Default::default()
        };
        assert_eq!(
            Applicant::parse(&o, today).unwrap_err().field,
            "applicant.credit_code"
        );
    }

    #[test]
    fn masks() {
        assert_eq!(mask_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id("E12345678"), "E1***5678");
    }

    #[test]
    fn clocks_and_urgency() {
        let cal = Calendar::from_csv(include_str!("../../../assets/cn-calendar.csv")).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Accepted Friday 2024-09-27: the 29th (Sunday) is a make-up working day,
        // then the National Day holiday runs to 10-07.
        let c = clocks(
            &cal,
            d("2024-09-27"),
            (3, TimeUnit::Working),
            (20, TimeUnit::Working),
            0,
            &[],
        )
        .unwrap();
        assert_eq!(c.promised, Some(d("2024-10-08")));
        let ext = clocks(
            &cal,
            d("2024-09-27"),
            (3, TimeUnit::Working),
            (20, TimeUnit::Working),
            10,
            &[],
        )
        .unwrap();
        assert!(ext.legal > c.legal);
        assert_eq!(
            urgency(&cal, c.promised, CaseStatus::Accepted, d("2024-10-10")),
            Urgency::Overdue
        );
        assert_eq!(
            urgency(&cal, c.promised, CaseStatus::Accepted, d("2024-10-08")),
            Urgency::NearlyDue
        );
        assert_eq!(
            urgency(&cal, c.promised, CaseStatus::Accepted, d("2024-09-27")),
            Urgency::Normal
        );
        assert_eq!(
            urgency(&cal, c.promised, CaseStatus::Suspended, d("2024-10-10")),
            Urgency::Paused
        );
    }

    #[test]
    fn application_gathers_every_fault() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let input = ApplicationInput {
            channel: Some("fax".into()),
            applicant: Some(ApplicantInput {
                kind: Some("organisation".into()),
                name: Some("昆山某某有限公司".into()),
                credit_code: Some("91320583XXXXXXXXXX".into()),
                phone: Some("13812345678".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let faults = Application::parse(&input, Filer::Clerk, today).unwrap_err();
        let fields: Vec<&str> = faults.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["item_code", "channel", "applicant.credit_code"]);
        // On the portal the verified identity is the applicant, whatever was sent.
        let input = ApplicationInput {
            item_code: Some("SJ-1".into()),
            applicant: Some(ApplicantInput {
                name: Some("冒名".into()),
                id_number: Some("11010519491231002X".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let filer = Filer::Portal {
            name: "张三",
            id_number: "11010519491231002X",
            phone: "13812345678",
        };
        let app = Application::parse(&input, filer, today).unwrap();
        assert_eq!(app.channel, Channel::Online);
        assert_eq!(app.applicant.name(), "张三");
    }
}
