//! An order taken by a hotline agent.

use super::*;

/// Registers a request taken by a hotline agent: answered directly (`answer`), or
/// dispatched to a member unit (`unit`), or left for dispatch.
pub async fn create(store: &Store, p: &Principal, input: &NewOrder) -> Result<OrderView> {
    if p.role != Role::HotlineAgent {
        return Err(StoreError::Forbidden(format!(
            "{}不能登记12345工单",
            p.role.label()
        )));
    }
    let mut intake = parse_request(input)?;
    let handling = parse_handling(input)?;
    let mut rd = store.reader().await?;
    intake.service_code = match trimmed(input.service_code.as_deref()) {
        None => None,
        Some(code) => Some(
            service(&mut rd, code)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("service_code", format!("服务类别代码“{code}”不存在"))
                })?
                .service_code,
        ),
    };
    let lead = lead_unit(&mut rd, &intake, &handling).await?;
    drop(rd);
    let no = insert_with(
        store,
        &intake,
        EventWho::Staff(p),
        Outcome {
            answer: handling.answer,
            lead: lead.map(|(id, _)| id),
            co_units: &handling.co_codes,
            emergency: handling.emergency,
        },
    )
    .await?;
    get(store, p, &no).await
}

/// The request itself: channel, category, caller, place and content (the service
/// code is checked against the catalog afterwards).
fn parse_request(input: &NewOrder) -> Result<Intake> {
    let channel = match trimmed(input.channel.as_deref()) {
        None => Channel::Phone,
        Some(c) => Channel::parse(c).ok_or_else(|| {
            StoreError::invalid("channel", format!("受理渠道应为：{}", Channel::choices()))
        })?,
    };
    let category = trimmed(input.category.as_deref())
        .ok_or_else(|| {
            StoreError::invalid(
                "category",
                format!("请选择诉求类别：{}", Category::choices()),
            )
        })
        .and_then(|c| {
            Category::parse(c).ok_or_else(|| {
                StoreError::invalid(
                    "category",
                    format!("诉求类别“{c}”无效，应为：{}", Category::choices()),
                )
            })
        })?;
    let caller_name = optional_text(
        "caller_name",
        "来电人姓名",
        input.caller_name.as_deref(),
        50,
    )?
    .unwrap_or_else(|| "匿名".into());
    let phone = trimmed(input.phone.as_deref())
        .map(parse_phone)
        .transpose()?;
    let email = optional_text("email", "电子邮箱", input.email.as_deref(), 100)?;
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        return Err(StoreError::invalid("email", "电子邮箱格式不正确"));
    }
    let address = optional_text("address", "地址", input.address.as_deref(), 200)?;
    let (lat, lon) = match (input.lat, input.long) {
        (Some(a), Some(o)) => (
            Some(parse_coord("lat", a, 90.0)?),
            Some(parse_coord("long", o, 180.0)?),
        ),
        (None, None) => (None, None),
        (None, Some(_)) => return Err(StoreError::invalid("lat", "请同时填写纬度和经度")),
        (Some(_), None) => return Err(StoreError::invalid("long", "请同时填写纬度和经度")),
    };
    let content = required_text(
        "content",
        "诉求内容",
        input.content.as_deref().unwrap_or(""),
        MAX_CONTENT_CHARS,
    )?;
    Ok(Intake {
        channel,
        category,
        caller_name,
        phone,
        email,
        address,
        lat,
        lon,
        content,
        service_code: None,
        // Public only when the caller agreed (the agent ticks the box).
        public: input.public.unwrap_or(false),
        api_key_id: None,
        photos: vec![],
    })
}

/// How the agent handles the request at once: an answer, a lead unit with co-units,
/// or a transfer to the police or ambulance; at most one of them.
struct Handling {
    answer: Option<String>,
    unit: Option<String>,
    co_codes: Vec<String>,
    emergency: Option<Emergency>,
}

fn parse_handling(input: &NewOrder) -> Result<Handling> {
    let answer = optional_text(
        "answer",
        "解答内容",
        input.answer.as_deref(),
        MAX_NOTE_CHARS,
    )?;
    let unit = trimmed(input.unit.as_deref());
    if answer.is_some() && unit.is_some() {
        return Err(StoreError::invalid(
            "unit",
            "直接解答的工单不再派单：请只填写解答内容或派单单位之一",
        ));
    }
    let co_codes: Vec<String> = input
        .co_units
        .iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if !co_codes.is_empty() && unit.is_none() {
        return Err(StoreError::invalid(
            "co_units",
            "请先选择主办单位，再选择协办单位",
        ));
    }
    let emergency = match trimmed(input.emergency.as_deref()) {
        None => None,
        Some(e) => Some(Emergency::parse(e).ok_or_else(|| {
            StoreError::invalid(
                "emergency",
                format!("紧急转接号码“{e}”无效，应为：{}", Emergency::choices()),
            )
        })?),
    };
    if emergency.is_some() {
        let conflict = if answer.is_some() {
            Some("answer")
        } else if unit.is_some() {
            Some("unit")
        } else {
            None
        };
        if let Some(field) = conflict {
            return Err(StoreError::invalid(
                field,
                "已转警/转急救的诉求当即办结，不再直接解答或派单",
            ));
        }
    }
    Ok(Handling {
        answer,
        unit: unit.map(str::to_string),
        co_codes,
        emergency,
    })
}

/// The lead unit chosen (or the dispatch catalog's, for `auto`), with the co-units
/// checked to be other member units.
async fn lead_unit(
    rd: &mut AnyConnection,
    intake: &Intake,
    handling: &Handling,
) -> Result<Option<(i64, String)>> {
    let lead = match handling.unit.as_deref() {
        Some(crate::dispatch::AUTO) => Some(
            auto_unit(
                &mut *rd,
                intake.service_code.as_deref(),
                intake.category,
                intake.address.as_deref(),
            )
            .await?,
        ),
        Some(code) => Some(member_unit(&mut *rd, "unit", code).await?),
        None => None,
    };
    for code in &handling.co_codes {
        let (co_id, _) = member_unit(&mut *rd, "co_units", code).await?;
        if lead.as_ref().is_some_and(|(id, _)| *id == co_id) {
            return Err(StoreError::invalid(
                "co_units",
                "协办单位不能与主办单位相同",
            ));
        }
    }
    Ok(lead)
}
