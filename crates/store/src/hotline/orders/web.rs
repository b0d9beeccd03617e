//! 网上诉求: the public web form and the public progress of web requests (pages of
//! `/hotline/new`, `/hotline/progress`, `/hotline/public`), and the one public view of
//! an order every public path shows.

use super::*;

/// A request from the public web form as the order it makes, or every fault of it
/// at once.
fn web_intake(input: &NewOrder) -> Result<Intake> {
    let mut faults = vec![];
    let mut fault = |e: StoreError| match e {
        StoreError::Invalid(i) => faults.push(i),
        StoreError::Faults(all) => faults.extend(all),
        _ => {}
    };
    let category = trimmed(input.category.as_deref())
        .ok_or_else(|| StoreError::invalid("category", "请选择诉求类别"))
        .and_then(|c| {
            Category::parse(c).ok_or_else(|| {
                StoreError::invalid(
                    "category",
                    format!("诉求类别“{c}”无效，应为：{}", Category::choices()),
                )
            })
        })
        .map_err(&mut fault)
        .ok();
    let caller_name = optional_text("caller_name", "姓名", input.caller_name.as_deref(), 50)
        .map_err(&mut fault)
        .ok()
        .flatten()
        .unwrap_or_else(|| "匿名".into());
    let phone = trimmed(input.phone.as_deref())
        .ok_or_else(|| StoreError::invalid("phone", "请填写联系电话，以便承办单位联系您并回访"))
        .and_then(parse_phone)
        .map_err(&mut fault)
        .ok();
    let address = optional_text("address", "地址", input.address.as_deref(), 200)
        .map_err(&mut fault)
        .ok()
        .flatten();
    let content = required_text(
        "content",
        "诉求内容",
        input.content.as_deref().unwrap_or(""),
        MAX_CONTENT_CHARS,
    )
    .map_err(|e| fault(e.into()))
    .ok();
    match (category, phone, content) {
        (Some(category), Some(phone), Some(content)) if faults.is_empty() => Ok(Intake {
            channel: Channel::Web,
            category,
            caller_name,
            phone: Some(phone),
            email: None,
            address,
            lat: None,
            lon: None,
            content,
            service_code: None,
            public: input.public.unwrap_or(false),
            api_key_id: None,
            photos: vec![],
        }),
        _ => Err(StoreError::from(faults)),
    }
}

/// Checks a request from the public web form without registering it: every fault
/// at once.
pub fn check_web(input: &NewOrder) -> Result<()> {
    web_intake(input).map(|_| ())
}

/// Registers a request submitted on the public web form (channel web), left for the
/// center to dispatch, with the photos already checked and kept
/// (`files::check_photos`, `files::keep_photos`), in one transaction. No principal:
/// the visitor is anonymous, the event and the audit entry name the web form.
pub async fn create_web(
    store: &Store,
    input: &NewOrder,
    photos: Vec<crate::files::Photo>,
) -> Result<OrderView> {
    let intake = Intake {
        photos,
        ..web_intake(input)?
    };
    let no = insert(store, &intake, EventWho::System("web"), None, None, &[]).await?;
    let mut c = store.reader().await?;
    load(&mut c, None, &no).await
}

/// One order whose progress is public, with its events; any other order is "not
/// found", so the answer does not reveal whether a non-public order exists.
pub async fn public_order(store: &Store, no: &str) -> Result<PublicOrder> {
    let missing = || StoreError::not_found(format!("工单“{no}”不存在或未公开办理进度"));
    let mut c = store.reader().await?;
    match load(&mut c, None, no).await {
        Ok(o) if o.public => Ok(PublicOrder::of(&o)),
        Ok(_) | Err(StoreError::NotFound(_)) => Err(missing()),
        Err(e) => Err(e),
    }
}

/// Recent public web requests, newest first, with the total.
pub async fn public_web_orders(
    store: &Store,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<(Vec<PublicOrder>, i64)> {
    let mut sql = Sql::new(FROM);
    sql.push(" AND o.public = 1 AND o.channel = ")
        .bind_s(Channel::Web.as_str());
    let (_, per_page, skip) = crate::paging(page, per_page, 20, 100)?;
    let mut c = store.reader().await?;
    let total: i64 = sql
        .with_text(format!("SELECT COUNT(*){}", sql.text))
        .query_scalar()
        .fetch_one(&mut *c)
        .await?;
    let q = sql.with_text(format!(
        "SELECT {COLUMNS}{} ORDER BY o.id DESC LIMIT {per_page} OFFSET {skip}",
        sql.text
    ));
    let rows = q.query().fetch_all(&mut *c).await?;
    let list = rows
        .iter()
        .map(|r| view_from(r).map(|o| PublicOrder::of(&o)))
        .collect::<Result<Vec<_>>>()?;
    Ok((list, total))
}

/// A step of an order's public progress: what happened, when, which unit; no staff.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStep {
    pub at: String,
    pub label: String,
    pub unit: Option<String>,
}

/// A work order as the public and outside systems see it. Every public path (the
/// progress and public-list pages, Open311 in JSON and XML) gets only this, built by
/// [`PublicOrder::of`] with the one masking of `tongban_domain::public`: the caller's
/// name, phone numbers in any form, ID and house numbers in every text; coordinates
/// rounded to about a hundred metres.
#[derive(Debug, Clone, Serialize)]
pub struct PublicOrder {
    pub order_no: String,
    pub open: bool,
    pub status_label: &'static str,
    pub category_label: &'static str,
    pub channel_label: &'static str,
    pub name: String,
    pub phone: String,
    pub address: Option<String>,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub content: String,
    pub service_code: Option<String>,
    pub service_name: Option<String>,
    pub unit: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub deadline: Option<String>,
    pub answer: Option<String>,
    pub reply: Option<String>,
    pub merged_into: Option<String>,
    pub steps: Vec<PublicStep>,
}

impl PublicOrder {
    pub fn of(o: &OrderView) -> Self {
        use tongban_domain::public::{mask_address, mask_name, mask_text_naming};
        let names = [o.caller_name.as_str()];
        let mask_text = |t: &str| mask_text_naming(t, &names);
        let coarse = |v: &Option<String>| {
            v.as_deref()
                .and_then(|s| s.parse::<f64>().ok())
                .map(|x| format!("{x:.3}"))
        };
        Self {
            order_no: o.order_no.clone(),
            open: o.state().status.is_open(),
            status_label: o.status_label,
            category_label: o.category_label,
            channel_label: o.channel_label,
            name: mask_name(&o.caller_name),
            phone: o.phone_masked.clone().unwrap_or_default(),
            address: o.address.as_deref().map(mask_address),
            lat: coarse(&o.lat),
            long: coarse(&o.long),
            content: mask_text(&o.content),
            service_code: o.service_code.clone(),
            service_name: o.service_name.clone(),
            unit: o.unit.as_ref().map(|u| u.name.clone()),
            created_at: o.created_at.clone(),
            updated_at: o.updated_at.clone(),
            closed_at: o.closed_at.clone(),
            deadline: o.deadline.clone(),
            answer: o.answer.as_deref().map(mask_text),
            reply: o.reply.as_deref().map(mask_text),
            merged_into: o.merged_into.clone(),
            steps: o
                .events
                .iter()
                .map(|e| PublicStep {
                    at: e.at.clone(),
                    label: e.action_label.clone(),
                    unit: e.unit.clone(),
                })
                .collect(),
        }
    }
}
