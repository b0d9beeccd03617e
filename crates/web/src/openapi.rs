//! The OpenAPI 3.1 document of the public JSON API, served at `/api/openapi.json`.

use crate::AppState;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(document))
}

fn op(summary: &str, tag: &str, auth: bool) -> Value {
    let mut o = json!({
        "summary": summary, "tags": [tag],
        "responses": {
            "2XX": { "description": "成功" },
            "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
            "503": { "description": "数据库暂时无法写入（磁盘已满、只读）或外部服务不可用", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
        }
    });
    if auth {
        o["security"] = json!([{ "bearer": [] }]);
    }
    o
}

fn with_body(mut o: Value, schema: &str) -> Value {
    o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    o
}

/// The case list: its filters, and paging by cursor or page number.
fn case_list() -> Value {
    json!({
        "summary": "办件列表（按部门、服务点范围；按承诺办结日期排序）", "tags": ["cases"],
        "security": [{ "bearer": [] }],
        "parameters": [
            { "name": "status", "in": "query", "description": "办件状态，或 open（办理中）", "schema": { "type": "string" } },
            { "name": "due", "in": "query", "schema": { "type": "string", "enum": ["overdue", "nearly_due", "withdrawn_overdue", "undelivered", "unverified"] } },
            { "name": "department", "in": "query", "schema": { "type": "string" } },
            { "name": "point", "in": "query", "schema": { "type": "string" } },
            { "name": "credit_code", "in": "query", "schema": { "type": "string" } },
            { "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500 } },
            { "name": "cursor", "in": "query", "description": "下一页：上一页返回的 next_cursor（按键翻页，任意深度都同样快）；与 page 同时给出时以 cursor 为准", "schema": { "type": "string" } },
            { "name": "page", "in": "query", "description": "页码（旧客户端；深页较慢，建议改用 cursor）", "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } }
        ],
        "responses": {
            "200": { "description": "{cases, total, total_more, page, next_cursor}：total 最多计到 10000，超过时 total_more 为 true；next_cursor 为 null 表示没有下一页" },
            "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
        }
    })
}

async fn document() -> Json<Value> {
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": "tongban 通办 API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "县级政务服务平台接口：事项清单、办件、工作日历、统一社会信用代码与身份证号码校验。错误均以 {\"error\":{\"code\",\"message\",\"field\"}} 返回。" },
        "paths": {
            "/healthz": { "get": op("健康检查", "system", false) },
            "/api/v1/auth/token": { "post": with_body(op("用户名密码换取令牌；已启用动态口令的账户须同时提供 totp（验证器应用的6位动态口令或恢复码）；未启用动态口令的管理员不能取得令牌（403 totp_enrolment_required）", "auth", false), "Login") },
            "/api/v1/auth/logout": { "post": op("退出：吊销本次请求所带的令牌（204）", "auth", true) },
            "/api/v1/me": { "get": op("当前用户", "auth", true) },
            "/api/v1/departments": { "get": op("进驻部门列表", "organisation", false), "post": op("新增部门（管理员）", "organisation", true) },
            "/api/v1/points": { "get": op("服务点列表（center、comprehensive_window、town、substation）", "organisation", false), "post": op("新增服务点（管理员）", "organisation", true) },
            "/api/v1/users": { "get": op("账户列表（管理员）", "organisation", true), "post": op("新增账户（管理员）", "organisation", true) },
            "/api/v1/items": { "get": {
                "summary": "事项清单（当日在用版本）", "tags": ["catalog"],
                "parameters": [
                    { "name": "q", "in": "query", "schema": { "type": "string" } },
                    { "name": "department", "in": "query", "schema": { "type": "string" } },
                    { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["in_use", "suspended", "cancelled", "transferred"] } },
                    { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } },
                    { "name": "on", "in": "query", "description": "日期（YYYY-MM-DD）；空为今天", "schema": { "type": "string", "pattern": "^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$" } }
                ],
                "responses": { "200": { "description": "{items, total}" }, "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } },
                "post": op("新增事项（管理员；第1版待发布）", "catalog", true) },
            "/api/v1/items/{code}": { "get": op("事项详情（指定日期生效的版本）", "catalog", false) },
            "/api/v1/items/{code}/history": { "get": op("事项变更历史（已发布版本）", "catalog", false) },
            "/api/v1/items/{code}/versions": { "post": op("新建事项版本（管理员）", "catalog", true) },
            "/api/v1/items/{code}/versions/{version}/publish": { "post": op("发布事项版本（管理员，须在生效前）", "catalog", true) },
            "/api/v1/cases": {
                "post": with_body(op("申请/受理办件", "cases", true), "NewCase"),
                "get": case_list()
            },
            "/api/v1/cases/search": { "post": op("办件查询（条件放在请求体中，如身份证号码）", "cases", true) },
            "/api/v1/cases/{case_no}": { "get": op("办件详情与全部流程记录", "cases", true) },
            "/api/v1/cases/{case_no}/actions": { "post": with_body(op("办件操作：受理、不予受理、补正、审查决定、特别程序、延期、撤回、中止、恢复、终止、逾期未补正、办结、送达", "cases", true), "Action") },
            "/api/v1/cases/{case_no}/allow-notice": { "post": with_body(op("督查人员准许再次补正告知（《行政许可法》第三十二条）", "cases", true), "Reason") },
            "/api/v1/cases/{case_no}/rating": { "post": with_body(op("好差评（申请人凭证件后六位，或窗口评价器）", "cases", false), "Rating") },
            "/api/v1/cases/{case_no}/rating/answer": { "post": with_body(op("差评核实整改答复", "cases", true), "FollowUpAnswer") },
            "/api/v1/cases/{case_no}/rating/appeal": { "post": with_body(op("评价人对差评整改答复提出申诉（答复后15日内）", "cases", false), "RatingAppeal") },
            "/api/v1/cases/{case_no}/rating/review": { "post": with_body(op("政务办督查人员复核差评申诉", "cases", true), "RatingReview") },
            "/api/v1/follow-ups": { "get": op("差评整改清单（本部门；督查人员看全部）", "cases", true) },
            "/api/v1/progress/{case_no}": { "get": op("办件进度查询（办件编号＋证件号码后六位）", "cases", false) },
            "/api/v1/license-keys": { "get": op("各部门电子证照签名公钥（SM2，SEC1 未压缩格式，十六进制）", "licenses", false) },
            "/api/v1/licenses/{license_no}": { "get": op("电子证照核验：有效、已撤销或签名无效（未找到为 404）", "licenses", false) },
            "/api/v1/licenses/{license_no}/revoke": { "post": with_body(op("撤销电子证照（发证部门负责人或管理员）", "licenses", true), "Revoke") },
            "/api/v1/calendar/deadline": { "get": {
                "summary": "第N个工作日", "tags": ["calendar"],
                "parameters": [
                    { "name": "start", "in": "query", "required": true, "schema": { "type": "string", "format": "date" } },
                    { "name": "working_days", "in": "query", "required": true, "schema": { "type": "integer", "minimum": 0 } }
                ],
                "responses": { "200": { "description": "{deadline}" }, "4XX": { "description": "参数有误，或超出已录入的节假日年份（422）", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
            "/api/v1/calendar/years": { "get": op("已录入节假日安排的年份", "calendar", false), "post": op("录入某年节假日安排（管理员）", "calendar", true) },
            "/api/v1/codes/uscc/{code}": { "get": op("统一社会信用代码校验（GB 32100-2015）", "codes", false) },
            "/api/v1/codes/uscc": { "post": op("为新登记主体赋统一社会信用代码", "codes", true) },
            "/api/v1/codes/uscc/check": { "post": op("统一社会信用代码校验（请求体 {\"code\"}）", "codes", false) },
            "/api/v1/codes/id": { "post": op("居民身份证号码校验（请求体 {\"number\"}，号码不进网址）", "codes", false) },
            "/api/v1/codes/id/{number}": { "get": op("居民身份证号码校验（GB 11643-1999）", "codes", false) },
            "/api/v1/audit": { "get": op("审计日志", "audit", true) },
            "/api/v1/audit/verify": { "get": op("校验审计链", "audit", true) },
            "/api/v1/figures": { "get": op("统计数据：指定期间（period=2026、2026-Q3、2026-07、2026-01-01..2026-09-30）的全部指标及上年同期值、同比（管理员、督查人员、部门负责人）", "figures", true) },
            "/api/v1/work-orders": {
                "post": with_body(op("登记12345工单（话务员）：直接解答（answer）、派单（unit，可选协办单位co_units）或紧急转警/转急救（emergency）", "hotline", true), "NewWorkOrder"),
                "get": op("12345工单列表（status、category、unit、emergency=true|false|110|119|120|122、awaiting_review=true（退单待审核）、returned=true|false、co_unit、involvement=lead|co（成员单位：主办/协办）、from、to（登记日期 YYYY-MM-DD）、page，或 cursor（上一页返回的 next_cursor，按键翻页）；total 最多计到 10000，超过时 total_more 为 true；成员单位只看本单位主办或协办的工单）", "hotline", true)
            },
            "/api/v1/hotline/deadlines": {
                "get": op("12345工单办理时限（工作日，按诉求类别；extension为同意延期增加的工作日）", "hotline", true),
                "put": with_body(op("设置12345工单办理时限（管理员；每项1至60个工作日，未列出的类别不变）", "hotline", true), "HotlineDeadlines")
            },
            "/api/v1/work-orders/{no}": { "get": op("12345工单详情与流转记录", "hotline", true) },
            "/api/v1/work-orders/{no}/actions": { "post": with_body(op("工单操作：派单/改派、签收、退单、驳回退单、延期、回复、协办意见、重办、办结、回访、催办、督办、并单、工单差错", "hotline", true), "WorkOrderAction") }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"],
                    "properties": { "code": { "type": "string" }, "message": { "type": "string" }, "field": { "type": "string" },
                        "errors": { "type": "array", "description": "输入有多处错误时逐项列出（第一项同 field/message）",
                            "items": { "type": "object", "required": ["field", "message"], "properties": { "field": { "type": "string" }, "message": { "type": "string" } } } } } } } },
                "Login": { "type": "object", "required": ["username", "password"], "properties": { "username": { "type": "string" }, "password": { "type": "string" }, "totp": { "type": "string", "description": "6位动态口令或恢复码" } } },
                "NewCase": { "type": "object", "required": ["item_code", "channel", "applicant"], "properties": {
                    "item_code": { "type": "string" }, "channel": { "type": "string", "enum": ["online", "window"] }, "point": { "type": "string" },
                    "materials": { "type": "array", "items": { "type": "string" } }, "note": { "type": "string" },
                    "form": { "type": "object", "additionalProperties": { "type": "string" }, "description": "申请表：按事项的申请表字段名填写；事项设有秒批规则且全部满足时由系统当场准予许可并办结（mode 为 auto），不满足时转人工并写明未满足的规则" },
                    "applicant": { "type": "object", "required": ["kind", "name", "phone"], "properties": {
                        "kind": { "type": "string", "enum": ["person", "organisation"] }, "name": { "type": "string" },
                        "id_type": { "type": "string" }, "id_number": { "type": "string" }, "credit_code": { "type": "string" },
                        "contact": { "type": "string" }, "phone": { "type": "string" } } } } },
                "Action": { "type": "object", "required": ["action"], "properties": {
                    "procedure": { "type": "string", "enum": ["hearing", "tender", "auction", "inspection", "testing", "quarantine", "appraisal", "expert_review"], "description": "启动特别程序（suspend）时必填：《行政许可法》第四十五条所列程序" },
                    "expected_days": { "type": "integer", "minimum": 1, "maximum": 365, "description": "启动特别程序时必填：预计所需天数" },
                    "supply_days": { "type": "integer", "minimum": 1, "maximum": 60, "description": "补正告知时可填：补正期限（工作日，默认10）" },
                    "action": { "type": "string", "enum": ["accept", "refuse", "request_supplement", "supplement", "approve", "reject", "suspend", "resume", "extend", "withdraw", "halt", "restart", "terminate", "lapse", "close", "deliver"] },
                    "delivery_method": { "type": "string", "enum": ["window", "post", "electronic"], "description": "送达（deliver）时必填：窗口领取、邮寄送达或电子送达" },
                    "recipient": { "type": "string", "description": "送达时必填：签收人" }, "tracking_no": { "type": "string", "description": "邮寄送达时必填：邮件单号" },
                    "delivered_on": { "type": "string", "format": "date", "description": "送达日期，默认今天" },
                    "note": { "type": "string" }, "document_no": { "type": "string" } } },
                "FollowUpAnswer": { "type": "object", "required": ["finding", "answer"], "properties": {
                    "finding": { "type": "string", "enum": ["founded", "partly_founded", "unfounded"], "description": "核实情况：属实、部分属实、不属实" },
                    "answer": { "type": "string", "minLength": 1, "maxLength": 2000 } } },
                "RatingAppeal": { "type": "object", "required": ["appeal", "last_six"], "properties": {
                    "appeal": { "type": "string", "minLength": 1, "maxLength": 1000 }, "last_six": { "type": "string" } } },
                "RatingReview": { "type": "object", "required": ["outcome", "review"], "properties": {
                    "outcome": { "type": "string", "enum": ["upheld", "redo"], "description": "维持部门答复，或责令重新整改" },
                    "review": { "type": "string", "minLength": 1, "maxLength": 1000 } } },
                "Reason": { "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string", "minLength": 1, "maxLength": 500 } } },
                "NewWorkOrder": { "type": "object", "required": ["category", "content"], "properties": {
                    "channel": { "type": "string", "enum": ["phone", "web", "wechat", "email", "open311", "other"] },
                    "category": { "type": "string", "enum": ["consultation", "help", "complaint", "report", "suggestion", "praise"] },
                    "caller_name": { "type": "string" }, "phone": { "type": "string" }, "email": { "type": "string" }, "address": { "type": "string" },
                    "lat": { "type": "number" }, "long": { "type": "number" }, "content": { "type": "string", "maxLength": 2000 },
                    "service_code": { "type": "string" }, "answer": { "type": "string" }, "unit": { "type": "string" },
                    "co_units": { "type": "array", "items": { "type": "string" } }, "public": { "type": "boolean" },
                    "emergency": { "type": "string", "enum": ["110", "119", "120", "122"] } } },
                "WorkOrderAction": { "type": "object", "required": ["action"], "properties": {
                    "action": { "type": "string", "enum": ["dispatch", "answer", "sign", "return", "request_extension", "approve_extension", "reject_extension", "reply", "redo", "close", "callback", "urge", "supervise", "merge", "mark_faulty", "reject_return", "co_reply", "mark_invalid"] },
                    "invalid_kind": { "type": "string", "enum": ["harassment", "silent", "wrong_number", "hung_up"], "description": "标记无效来电（mark_invalid）时必填" },
                    "resolved": { "type": "boolean", "description": "办结或回访时随满意度记录：来电人认为诉求是否已解决" },
                    "note": { "type": "string" }, "unit": { "type": "string" }, "level": { "type": "integer", "minimum": 1, "maximum": 5 }, "into": { "type": "string" },
                    "co_units": { "type": "array", "items": { "type": "string" } } } },
                "HotlineDeadlines": { "type": "object", "properties": {
                    "consultation": { "type": "integer", "minimum": 1, "maximum": 60 }, "help": { "type": "integer", "minimum": 1, "maximum": 60 },
                    "complaint": { "type": "integer", "minimum": 1, "maximum": 60 }, "report": { "type": "integer", "minimum": 1, "maximum": 60 },
                    "suggestion": { "type": "integer", "minimum": 1, "maximum": 60 }, "praise": { "type": "integer", "minimum": 1, "maximum": 60 },
                    "extension": { "type": "integer", "minimum": 1, "maximum": 60 },
                    "return_window": { "type": "integer", "minimum": 1, "maximum": 60, "description": "派单后可退单的期限（工作日）" },
                    "max_extensions": { "type": "integer", "minimum": 1, "maximum": 5, "description": "每件工单可延期次数" } }, "additionalProperties": false },
                "Revoke": { "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string", "maxLength": 500 } } },
                "Rating": { "type": "object", "required": ["level"], "properties": {
                    "level": { "type": "integer", "minimum": 1, "maximum": 5, "description": "满意度：5非常满意、4满意、3基本满意、2不满意、1非常不满意（与12345回访同一尺度）" }, "comment": { "type": "string" }, "last_six": { "type": "string" } } }
            }
        }
    });
    add_intake(&mut doc);
    add_projects(&mut doc);
    add_registration(&mut doc);
    add_reforms(&mut doc);
    add_bundles(&mut doc);
    add_supervision(&mut doc);
    add_trading(&mut doc);
    add_intermediary(&mut doc);
    add_knowledge_base(&mut doc);
    declare_path_parameters(&mut doc);
    empty_query_numbers(&mut doc);
    Json(doc)
}

/// A number in a query string may also be empty, which means "not given" (as a form
/// sends it): the document says so, so an outside client's generated requests match.
fn empty_query_numbers(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            let Some(params) = op["parameters"].as_array_mut() else {
                continue;
            };
            for p in params.iter_mut() {
                if p["in"] == "query" && p["schema"]["type"] == "integer" && p["required"] != true {
                    let number = p["schema"].take();
                    p["schema"] =
                        json!({ "anyOf": [number, { "type": "string", "maxLength": 0 }] });
                }
            }
        }
    }
}

/// The schema of a path parameter, by its name: the shapes the handlers accept.
fn path_parameter(name: &str) -> Value {
    let pattern = |p: &str| json!({ "type": "string", "pattern": p });
    match name {
        "case_no" => pattern("^[A-Z0-9]{1,12}-[0-9]{8}-[0-9]{5}$"),
        "no" => pattern("^12345-[0-9]{8}-[0-9]{5}$"),
        "license_no" => pattern("^[A-Z0-9]{1,12}-[0-9]{4}-[0-9]{6}$"),
        "acceptance_no" => pattern("^LY[0-9]{4}-[0-9]{5}$"),
        "id" | "version" => {
            json!({ "type": "integer", "minimum": 1, "maximum": 9_007_199_254_740_991i64 })
        }
        // The code checkers answer any text (valid or not, with the reason).
        "number" | "code" => json!({ "type": "string", "minLength": 1 }),
        _ => pattern("^[0-9A-Za-z_-]{1,64}$"),
    }
}

/// Every `{name}` of a path is declared as a required path parameter of each of its
/// operations (an operation may declare its own, e.g. with an enum).
fn declare_path_parameters(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let names: Vec<&str> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            if !op["parameters"].is_array() {
                op["parameters"] = json!([]);
            }
            let Some(params) = op["parameters"].as_array_mut() else {
                continue;
            };
            for name in &names {
                let declared = params
                    .iter()
                    .any(|p| p["in"] == "path" && p["name"] == *name);
                if !declared {
                    params.push(json!({ "name": name, "in": "path", "required": true, "schema": path_parameter(name) }));
                }
            }
        }
    }
}

/// 12345 intake by outside channels (kept apart: one `json!` this size hits the macro
/// recursion limit).
fn add_intake(doc: &mut Value) {
    let paths = json!({
            "/api/v1/intake/{channel}": { "post": {
                "summary": "外部渠道提交12345诉求（channel：wechat 微信、other 其他）：登记为待派单工单；同一渠道同一 external_id 重复提交返回原工单（200）", "tags": ["intake"],
                "parameters": [
                    { "name": "channel", "in": "path", "required": true, "schema": { "type": "string", "enum": ["wechat", "other"] } },
                    { "name": "X-Channel-Key", "in": "header", "required": true, "schema": { "type": "string" }, "description": "管理员为该渠道签发的接入密钥" }
                ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IntakeRequest" } } } },
                "responses": {
                    "201": { "description": "已登记", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IntakeReceipt" } } } },
                    "200": { "description": "重复提交：返回已登记的工单", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IntakeReceipt" } } } },
                    "4XX": { "description": "缺少或无效的渠道接入密钥（401）、渠道不存在（404）、请求内容超过64KB（413）、字段有误（422，error.field 指明字段）", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
                } } },
            "/api/v1/intake/email": { "post": {
                "summary": "邮件网关转发的来信（message/rfc822 原始邮件）：发件人为诉求人，主题与正文为诉求内容（仅有HTML时转为纯文本），Message-ID 用于去重", "tags": ["intake"],
                "parameters": [
                    { "name": "X-Channel-Key", "in": "header", "required": true, "schema": { "type": "string" }, "description": "email 渠道的接入密钥" }
                ],
                "requestBody": { "required": true, "content": { "message/rfc822": { "schema": { "type": "string", "format": "binary" } } } },
                "responses": {
                    "201": { "description": "已登记", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IntakeReceipt" } } } },
                    "200": { "description": "同一 Message-ID 重复转发：返回已登记的工单" },
                    "4XX": { "description": "无法解析的邮件（400，code bad_mail，error.field 为 body、from 或 content）、缺少或无效的渠道接入密钥（401）、邮件超过5MB（413）", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
                } } }
    });
    let schemas = json!({
                "IntakeRequest": { "type": "object", "required": ["external_id", "category", "content"], "properties": {
                    "external_id": { "type": "string", "maxLength": 200, "description": "渠道内的诉求编号（如微信消息编号），用于去重" },
                    "category": { "type": "string", "description": "consultation、help、complaint、report、suggestion、praise，或中文：咨询、求助、投诉、举报、建议、表扬" },
                    "content": { "type": "string", "maxLength": 2000 }, "caller_name": { "type": "string", "maxLength": 50 },
                    "phone": { "type": "string" }, "email": { "type": "string" }, "address": { "type": "string", "maxLength": 200 },
                    "lat": { "type": "number", "minimum": -90, "maximum": 90 }, "long": { "type": "number", "minimum": -180, "maximum": 180 } } },
                "IntakeReceipt": { "type": "object", "properties": {
                    "order_no": { "type": "string" }, "channel": { "type": "string" }, "external_id": { "type": "string" },
                    "status": { "type": "string" }, "created_at": { "type": "string", "format": "date-time" }, "duplicate": { "type": "boolean" } } }
    });
    for (k, v) in paths.as_object().into_iter().flatten() {
        doc["paths"][k] = v.clone();
    }
    for (k, v) in schemas.as_object().into_iter().flatten() {
        doc["components"]["schemas"][k] = v.clone();
    }
}

/// Construction projects (工程建设项目).
fn add_projects(doc: &mut Value) {
    let paths = json!({
            "/api/v1/projects": {
                "post": with_body(op("登记工程建设项目（综合窗口、区镇窗口、管理员）：项目代码为投资项目在线审批监管平台赋予的代码（如 2026-320583-47-03-000123），建设单位统一社会信用代码须通过校验", "projects", true), "NewProject"),
                "get": op("工程建设项目列表（q 名称/建设单位/代码、town 区镇、lead_department 牵头部门、category、page；新登记的在前；total 最多计到 10000）", "projects", true)
            },
            "/api/v1/projects/{code}": { "get": op("工程建设项目详情", "projects", true) },
            "/api/v1/projects/{code}/acceptances": { "post": with_body(op("登记建设单位的联合验收申请（综合窗口、区镇窗口、牵头部门、管理员）：验收部位可空（整体验收），验收建筑面积不大于项目建筑面积", "projects", true), "AcceptanceRequest") },
            "/api/v1/projects/{code}/stages": {
                "get": op("项目各审批阶段：每次阶段申请的受理日期、阶段时限与到期日、已用工作日、一次提交的材料，以及各部门办件的状态、期限和结果", "projects", true),
                "post": with_body(op("综合窗口受理阶段申请（一窗受理、一表申请）：按项目类型的阶段定义为每个事项各生成一件办件，各部门并联办理、各自计时；须先完成上一阶段", "projects", true), "StageApplication")
            },
            "/api/v1/project-tracking": { "get": {
                "summary": "建设单位查询项目全流程进展（无需登录）：项目代码与建设单位统一社会信用代码须一致；各阶段、各部门办件状态与期限、已用工作日与时限、联合验收各部门结果", "tags": ["projects"],
                "parameters": [
                    { "name": "code", "in": "query", "required": true, "schema": { "type": "string" } },
                    { "name": "credit_code", "in": "query", "required": true, "schema": { "type": "string" } }
                ],
                "responses": { "200": { "description": "{project, total_limit_days, working_days_used, stages[], acceptances[]}" },
                               "4XX": { "description": "未找到或参数有误（错误多次后需稍候再试）", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
            "/api/v1/projects/{code}/problems": { "post": with_body(op("提出项目协调问题（参与审批的部门、牵头部门、管理员）：问题、负责部门、解决期限", "projects", true), "ProjectProblem") },
            "/api/v1/problems": { "get": {
                "summary": "项目协调问题列表（期限早的在前）", "tags": ["projects"], "security": [{ "bearer": [] }],
                "parameters": [
                    { "name": "project", "in": "query", "schema": { "type": "string" } },
                    { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["", "open", "resolved"] } },
                    { "name": "overdue", "in": "query", "description": "true：只列逾期未解决的", "schema": { "type": "string", "enum": ["", "true", "false"] } },
                    { "name": "department", "in": "query", "schema": { "type": "string" } },
                    { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } },
                    { "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 200 } }
                ],
                "responses": { "200": { "description": "{problems, total, total_more, page}" },
                               "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
            "/api/v1/projects/{code}/long-four": { "get": op("项目“一长四多”：办理时间、审批文书（印章）、中介服务、收费、申报材料，改革前（各事项串联办理、分别计数）与实际", "projects", true) },
            "/api/v1/project-figures": { "get": {
                "summary": "统计期间内首个阶段受理的项目“一长四多”平均值（默认今年以来）", "tags": ["projects"], "security": [{ "bearer": [] }],
                "parameters": [
                    { "name": "from", "in": "query", "schema": { "type": "string", "pattern": "^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$" } },
                    { "name": "to", "in": "query", "schema": { "type": "string", "pattern": "^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$" } }
                ],
                "responses": { "200": { "description": "{from, to, average: {working_days, seals, intermediaries, fees_fen, materials: {before, after}, projects}}" },
                               "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
            "/api/v1/problems/{id}/result": { "post": with_body(op("记录协调问题的解决情况（负责部门、牵头部门、管理员）", "projects", true), "ProblemResult") },
            "/api/v1/project-stages": {
                "get": op("并联审批阶段定义：现行有效的（按投资类型、项目类别、阶段）和全部历史版本", "projects", true),
                "post": with_body(op("新增阶段定义版本（系统管理员）：事项须在生效日在用，时限不超过全流程时限，生效日期不早于今天", "projects", true), "StageRule")
            },
            "/api/v1/acceptances": { "get": {
                "summary": "联合验收列表（新申请的在前；total 最多计到 10000）", "tags": ["projects"], "security": [{ "bearer": [] }],
                "parameters": [
                    { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["", "requested", "scheduled", "reinspection", "certified"] } },
                    { "name": "department", "in": "query", "description": "参加验收的部门代码", "schema": { "type": "string" } },
                    { "name": "awaiting", "in": "query", "description": "true：只列该部门尚未录入结果的", "schema": { "type": "string", "enum": ["", "true", "false"] } },
                    { "name": "project", "in": "query", "description": "项目代码", "schema": { "type": "string" } },
                    { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } },
                    { "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 200 } }
                ],
                "responses": { "200": { "description": "{acceptances, total, total_more, page}" },
                               "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
            "/api/v1/acceptances/{acceptance_no}": { "get": op("联合验收详情（各部门各次现场验收结果）", "projects", true) },
            "/api/v1/acceptances/{acceptance_no}/schedule": { "post": with_body(op("牵头部门安排现场验收日期和参加部门（尚无部门录入结果前可重新安排）", "projects", true), "AcceptanceSchedule") },
            "/api/v1/acceptances/{acceptance_no}/results": { "post": with_body(op("参加部门录入本轮现场验收结果（不通过须写明问题）；全部部门通过时自动出具联合验收意见书（电子证照，牵头部门签名）", "projects", true), "AcceptanceResult") },
            "/api/v1/acceptances/{acceptance_no}/reinspection": { "post": with_body(op("牵头部门安排未通过部门复验的日期", "projects", true), "AcceptanceReinspection") }
    });
    let schemas = json!({
                "NewProject": { "type": "object", "required": ["code", "name", "owner_credit_code", "owner_name", "town", "address", "investment_fen", "land_area_m2", "floor_area_m2", "funding", "category", "lead_department"], "properties": {
                    "code": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{6}-[0-9]{2}-0[123]-[0-9]{6}$", "description": "项目代码（GB/T 40058-2021）" },
                    "name": { "type": "string" }, "owner_credit_code": { "type": "string", "description": "建设单位统一社会信用代码" }, "owner_name": { "type": "string" },
                    "town": { "type": "string", "description": "所在区镇（服务点代码）" }, "address": { "type": "string" },
                    "investment_fen": { "type": "integer", "minimum": 0, "description": "总投资（分）" },
                    "land_area_m2": { "type": "number", "minimum": 0 }, "floor_area_m2": { "type": "number", "minimum": 0 },
                    "funding": { "type": "string", "enum": ["government", "social"] },
                    "category": { "type": "string", "enum": ["general", "small_low_risk", "with_scheme"] },
                    "lead_department": { "type": "string", "description": "牵头部门代码" } } },
                "StageApplication": { "type": "object", "required": ["stage", "contact", "phone"], "properties": {
                    "stage": { "type": "string", "enum": ["land_planning", "construction_permit", "works_permit", "completion"] },
                    "contact": { "type": "string", "maxLength": 50, "description": "建设单位联系人" },
                    "phone": { "type": "string", "description": "联系电话" },
                    "materials": { "type": ["array", "null"], "items": { "type": "string" }, "description": "收取的材料名称（各事项共用的材料只交一次）；省略时视为已收齐必需材料" },
                    "intermediaries": { "type": ["array", "null"], "items": { "type": "string", "maxLength": 50 }, "maxItems": 30, "description": "随申请提交报告的中介服务" },
                    "note": { "type": ["string", "null"], "maxLength": 500 } } },
                "ProjectProblem": { "type": "object", "required": ["description", "department", "due_on"], "properties": {
                    "description": { "type": "string", "maxLength": 1000 },
                    "department": { "type": "string", "description": "负责解决的部门代码" },
                    "due_on": { "type": "string", "format": "date", "description": "解决期限（今天至一年内）" } } },
                "ProblemResult": { "type": "object", "required": ["result"], "properties": {
                    "result": { "type": "string", "maxLength": 1000 } } },
                "StageRule": { "type": "object", "required": ["funding", "category", "stage", "limit_days", "items", "effective_from"], "properties": {
                    "funding": { "type": "string", "enum": ["government", "social"] },
                    "category": { "type": "string", "enum": ["general", "small_low_risk", "with_scheme"] },
                    "stage": { "type": "string", "enum": ["land_planning", "construction_permit", "works_permit", "completion"] },
                    "limit_days": { "type": "integer", "minimum": 1, "maximum": 120, "description": "阶段办理时限（工作日）" },
                    "items": { "type": "array", "minItems": 1, "maxItems": 30, "items": { "type": "string" }, "description": "并联办理的事项编码" },
                    "effective_from": { "type": "string", "format": "date" } } },
                "AcceptanceRequest": { "type": "object", "required": ["area_m2"], "properties": {
                    "part": { "type": ["string", "null"], "maxLength": 100, "description": "验收部位（单体、分期）；空为整体" },
                    "area_m2": { "type": "number", "exclusiveMinimum": 0, "description": "验收建筑面积（平方米）" } } },
                "AcceptanceSchedule": { "type": "object", "required": ["inspect_on", "departments"], "properties": {
                    "inspect_on": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "现场验收日期 YYYY-MM-DD（不早于今天）" },
                    "departments": { "type": "array", "minItems": 1, "maxItems": 20, "items": { "type": "string" }, "description": "参加验收的部门代码" } } },
                "AcceptanceResult": { "type": "object", "required": ["result"], "properties": {
                    "department": { "type": ["string", "null"], "description": "部门代码（部门工作人员为本部门，可省略；管理员须填写）" },
                    "result": { "type": "string", "enum": ["pass", "fail"] },
                    "findings": { "type": ["string", "null"], "maxLength": 1000, "description": "验收意见；不通过时必填" } } },
                "AcceptanceReinspection": { "type": "object", "required": ["inspect_on"], "properties": {
                    "inspect_on": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "复验日期 YYYY-MM-DD（不早于今天）" } } }
    });
    for (k, v) in paths.as_object().into_iter().flatten() {
        doc["paths"][k] = v.clone();
    }
    for (k, v) in schemas.as_object().into_iter().flatten() {
        doc["components"]["schemas"][k] = v.clone();
    }
}

/// Business registration (三证合一、一照一码).
fn add_registration(doc: &mut Value) {
    let error = json!({ "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let page = json!({ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } });
    let per_page = json!({ "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 200 } });
    let paths = json!({
            "/api/v1/registrations": {
                "post": with_body(op("市场监管窗口受理商事登记申请（kind：establish 设立、change 变更、deregister 注销）：按事项清单中标明“商事登记业务”的事项生成办件并受理，由部门审查、决定；准予登记并办结时，设立登记生成统一社会信用代码（GB 32100）并核发载有该代码的营业执照（电子证照，SM2签名），变更登记保留代码并换发营业执照，注销登记注销市场主体并收回营业执照", "registration", true), "Registration"),
                "get": {
                    "summary": "商事登记申请列表（按办件范围；新申请的在前；total 最多计到 10000）", "tags": ["registration"], "security": [{ "bearer": [] }],
                    "parameters": [
                        { "name": "kind", "in": "query", "schema": { "type": "string", "enum": ["", "establish", "change", "deregister"] } },
                        { "name": "q", "in": "query", "description": "名称、办件编号或统一社会信用代码", "schema": { "type": "string", "maxLength": 50 } },
                        page.clone(), per_page.clone()
                    ],
                    "responses": { "200": { "description": "{registrations, total, total_more, page}" }, "4XX": error.clone() } }
            },
            "/api/v1/registrations/{case_no}": { "get": op("商事登记申请（办件状态、统一社会信用代码、营业执照编号）", "registration", true) },
            "/api/v1/entities": { "get": {
                "summary": "市场主体登记名录（新登记的在前；身份证号码脱敏；total 最多计到 10000）", "tags": ["registration"], "security": [{ "bearer": [] }],
                "parameters": [
                    { "name": "q", "in": "query", "description": "名称或统一社会信用代码", "schema": { "type": "string", "maxLength": 50 } },
                    { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["", "active", "deregistered"] } },
                    { "name": "entity_type", "in": "query", "schema": { "type": "string", "enum": ["", "llc", "joint_stock", "sole_proprietorship", "partnership", "individual", "cooperative"] } },
                    { "name": "town", "in": "query", "description": "所在区镇（服务点代码）", "schema": { "type": "string" } },
                    page, per_page
                ],
                "responses": { "200": { "description": "{entities, total, total_more, page}" }, "4XX": error.clone() } } },
            "/api/v1/entities/{credit_code}": { "get": {
                "summary": "按统一社会信用代码查询市场主体：带令牌的工作人员得到完整登记信息（身份证号码脱敏、投资人、历次登记）；无令牌时为公示信息（名称、类型、登记状态、成立与注销日期、营业执照编号及其状态）", "tags": ["registration"],
                "security": [{}, { "bearer": [] }],
                "responses": { "200": { "description": "市场主体" }, "4XX": error } } }
    });
    let schemas = json!({
                "Registration": { "type": "object", "required": ["kind"], "properties": {
                    "kind": { "type": "string", "enum": ["establish", "change", "deregister"] },
                    "item_code": { "type": ["string", "null"], "description": "登记事项编码；省略时为该类登记的第一个在用事项" },
                    "name": { "type": "string", "maxLength": 50, "description": "名称（设立必填；变更时填写新名称）" },
                    "entity_type": { "type": "string", "enum": ["llc", "joint_stock", "sole_proprietorship", "partnership", "individual", "cooperative"], "description": "市场主体类型（设立）" },
                    "town": { "type": "string", "description": "所在区镇（区镇便民服务中心代码）" },
                    "address": { "type": "string", "maxLength": 200, "description": "住所（经营场所）" },
                    "legal_rep_name": { "type": "string" }, "legal_rep_id_number": { "type": "string", "description": "法定代表人（负责人）身份证号码，须年满十八周岁" },
                    "legal_rep_phone": { "type": "string", "description": "法定代表人手机号码（设立）" },
                    "registered_capital_fen": { "type": "integer", "minimum": 0, "description": "注册资本（出资额），分；公司须大于零且等于投资人认缴出资之和" },
                    "business_scope": { "type": "string", "maxLength": 1000 },
                    "investors": { "type": "array", "maxItems": 50, "items": { "type": "object", "required": ["name", "subscribed_fen"], "properties": {
                        "name": { "type": "string" }, "id_number": { "type": "string", "description": "自然人身份证号码" },
                        "credit_code": { "type": "string", "description": "单位的统一社会信用代码" }, "subscribed_fen": { "type": "integer", "minimum": 0 } } } },
                    "credit_code": { "type": "string", "description": "变更、注销：市场主体的统一社会信用代码" },
                    "contact_name": { "type": "string", "description": "变更、注销：经办人" }, "contact_phone": { "type": "string" },
                    "reason": { "type": "string", "maxLength": 200, "description": "注销原因" } } }
    });
    for (k, v) in paths.as_object().into_iter().flatten() {
        doc["paths"][k] = v.clone();
    }
    for (k, v) in schemas.as_object().into_iter().flatten() {
        doc["components"]["schemas"][k] = v.clone();
    }
}

/// The catalog's reform decisions.
fn add_reforms(doc: &mut Value) {
    let paths = json!({
            "/api/v1/catalog/reforms": {
                "get": op("事项清单改革决定（施行日期新的在前）及精简基准日", "catalog", true),
                "post": with_body(op("录入改革决定（系统管理员）：取消、转移至行业协会、暂停行使、合并、下放，附文号；施行日期不早于今天，涉及事项在施行日生成并公布新版本", "catalog", true), "Reform")
            },
            "/api/v1/after-checks": { "get": {
                "summary": "秒批事后核查（按办件范围；status：pending 待核查、agreed 无误、disputed 有异议、upheld 督查维持、revoked 督查撤销）", "tags": ["cases"], "security": [{ "bearer": [] }],
                "parameters": [ { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["", "pending", "agreed", "disputed", "upheld", "revoked"] } } ],
                "responses": { "200": { "description": "{after_checks}" },
                               "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
            "/api/v1/after-checks/{case_no}": { "post": with_body(op("作出许可的部门审批人员记录事后核查结论：无误，或有异议（须写明问题，转督查处理）", "cases", true), "AfterCheck") },
            "/api/v1/after-checks/{case_no}/resolution": { "post": with_body(op("督查人员处理有异议的事后核查：维持许可，或撤销许可（收回电子证照，办件撤销）", "cases", true), "AfterCheckResolution") },
            "/api/v1/catalog/reform-baseline": { "post": with_body(op("设定精简基准日（系统管理员）：精简事项数自此日起计算，精简比例以此日前一日的在用事项数为基数", "catalog", true), "ReformBaseline") }
    });
    let schemas = json!({
                "Reform": { "type": "object", "required": ["kind", "document_no", "decided_on", "effective_from", "items"], "properties": {
                    "kind": { "type": "string", "enum": ["cancel", "transfer", "suspend", "merge", "delegate"] },
                    "document_no": { "type": "string", "maxLength": 60, "description": "文号，以“号”结尾" },
                    "decided_on": { "type": "string", "format": "date" }, "effective_from": { "type": "string", "format": "date" },
                    "items": { "type": "array", "minItems": 1, "maxItems": 500, "items": { "type": "string" }, "description": "事项编码" },
                    "merge_into": { "type": "string", "description": "合并：并入的事项编码" },
                    "points": { "type": "array", "items": { "type": "string" }, "description": "下放：区镇便民服务中心、派出所分理点代码" },
                    "note": { "type": "string", "maxLength": 500 } } },
                "AfterCheck": { "type": "object", "required": ["agrees"], "properties": {
                    "agrees": { "type": "boolean" }, "note": { "type": "string", "maxLength": 1000, "description": "有异议时必填" } } },
                "AfterCheckResolution": { "type": "object", "required": ["outcome", "note"], "properties": {
                    "outcome": { "type": "string", "enum": ["uphold", "revoke"] }, "note": { "type": "string", "minLength": 1, "maxLength": 1000 } } },
                "ReformBaseline": { "type": "object", "required": ["baseline"], "properties": { "baseline": { "type": "string", "format": "date" } } }
    });
    for (k, v) in paths.as_object().into_iter().flatten() {
        doc["paths"][k] = v.clone();
    }
    for (k, v) in schemas.as_object().into_iter().flatten() {
        doc["components"]["schemas"][k] = v.clone();
    }
}

/// "One thing" bundles (一件事一次办).
fn add_bundles(doc: &mut Value) {
    let error = json!({ "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let paths = json!({
        "/api/v1/bundles": {
            "get": op("今日在用的“一件事”（公开；按个人生活事件、企业经营事件及主题排列）", "catalog", false),
            "post": with_body(op("新增或修改“一件事”（系统管理员）：保存为该编码的新版本，生效日期不早于今天；各事项须在生效日在用且申请表字段可合并", "catalog", true), "Bundle")
        },
        "/api/v1/bundles/{code}": { "get": op("“一件事”办事指南（公开）：由所含事项生成，合并申请表、材料只交一次、并联办理时限、收费", "catalog", false) },
        "/api/v1/bundles/{code}/applications": { "post": with_body(op("综合窗口受理“一件事”申请：一张表单、一套材料，每个事项生成本部门的办件（各自计时），申请人凭一个一件事编号查询办理结果；含设立登记事项时须填写 registration", "cases", true), "BundleApplication") },
        "/api/v1/bundle-versions": { "get": op("“一件事”的全部版本（新的在前）", "catalog", true) },
        "/api/v1/bundle-applications": { "get": {
            "summary": "“一件事”申请列表（含本人可见办件的申请；新的在前，每页20条，next_cursor 为下一页的 cursor）", "tags": ["cases"], "security": [{ "bearer": [] }],
            "parameters": [ { "name": "cursor", "in": "query", "schema": { "type": "integer", "minimum": 1 } } ],
            "responses": { "200": { "description": "{applications, next_cursor}" }, "4XX": error } } },
        "/api/v1/bundle-applications/{no}": { "get": op("“一件事”申请：整体状态（办理中、已办结、部分事项未获准予）及各部门办件、不予许可理由、证照编号", "cases", true) }
    });
    let schemas = json!({
        "Bundle": { "type": "object", "required": ["code", "name", "event", "theme", "items", "effective_from"], "properties": {
            "code": { "type": "string", "pattern": "^[A-Za-z][A-Za-z0-9-]{1,31}$" },
            "name": { "type": "string", "minLength": 1, "maxLength": 60 },
            "event": { "type": "string", "enum": ["life", "enterprise"], "description": "个人生活事件、企业经营事件" },
            "theme": { "type": "string", "minLength": 1, "maxLength": 20 },
            "description": { "type": "string", "maxLength": 1000 },
            "items": { "type": "array", "minItems": 2, "maxItems": 12, "items": { "type": "string" }, "description": "事项编码" },
            "effective_from": { "type": "string", "format": "date" },
            "in_use": { "type": "boolean", "description": "false：自生效日起停用" } } },
        "BundleApplication": { "type": "object", "properties": {
            "channel": { "type": "string", "enum": ["window", "online"] },
            "applicant": { "type": "object", "description": "申请人，字段同 NewCase.applicant；含设立登记时可省略（以法定代表人为申请人）", "properties": {
                "kind": { "type": "string", "enum": ["person", "organisation"] }, "name": { "type": "string" },
                "id_type": { "type": "string" }, "id_number": { "type": "string" }, "credit_code": { "type": "string" },
                "contact": { "type": "string" }, "phone": { "type": "string" } } },
            "materials": { "type": "array", "items": { "type": "string" }, "description": "收取的材料（每种一次）" },
            "form": { "type": "object", "additionalProperties": { "type": "string" }, "description": "合并申请表的填写内容" },
            "note": { "type": "string", "maxLength": 1000 },
            "registration": { "type": "object", "description": "设立登记信息，字段同 Registration（设立）" } } }
    });
    for (k, v) in paths.as_object().into_iter().flatten() {
        doc["paths"][k] = v.clone();
    }
    for (k, v) in schemas.as_object().into_iter().flatten() {
        doc["components"]["schemas"][k] = v.clone();
    }
}

/// The intermediary registry and the 中介超市.
fn add_intermediary(doc: &mut Value) {
    let with_body = |summary: &str, auth: bool, schema: &str| {
        let mut o = op(summary, "intermediary", auth);
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
        o
    };
    let with_query = |summary: &str, names: &[(&str, &str)]| {
        let mut o = op(summary, "intermediary", false);
        o["parameters"] = names
            .iter()
            .map(|(n, d)| json!({ "name": n, "in": "query", "schema": { "type": "string" }, "description": d }))
            .collect();
        o
    };
    let paths = json!({
        "/api/v1/intermediary/agencies": {
            "get": with_query("入驻中介超市的中介机构名录（公开；联系人和电话已遮蔽）：资质服务、脱钩情况、信用得分",
                &[("service", "中介服务类型代码或名称，如 hjpj、环境影响评价"), ("q", "机构名称的一部分或统一社会信用代码")]),
            "post": with_body("登记中介机构（督查人员、系统管理员；已登记的更新其信息；联系人手机号绑定为该机构的企业联系人）", true, "Agency") },
        "/api/v1/intermediary/agencies/{code}": { "get": op("一家中介机构：资质及有效期、收费标准、公示期内的处罚、信用得分（公开）", "intermediary", false) },
        "/api/v1/intermediary/agencies/{code}/qualifications": { "post": with_body("登记中介机构的资质（每项服务的证书、有效期和收费标准）", true, "Qualification") },
        "/api/v1/intermediary/agencies/{code}/penalties": { "post": with_body("登记中介机构的处罚（公示期内从信用得分中扣分）", true, "AgencyPenalty") },
        "/api/v1/intermediary/services": { "get": op("中介服务类型、需要各服务的审批事项和有效资质的机构数（公开）", "intermediary", false) },
        "/api/v1/intermediary/services/{service}/items": { "put": with_body("设置需要该中介服务的审批事项（事项编码，替换原有设置）", true, "ServiceItems") },
        "/api/v1/intermediary/requests": {
            "get": with_query("中介超市的服务需求（公开，内容已遮蔽；新的在前，每页50条，next_cursor 翻页）",
                &[("service", "中介服务类型"), ("open", "true：只看正在报价的"), ("cursor", "上一页返回的 next_cursor")]),
            "post": with_body("代项目业主发布服务需求（督查人员、系统管理员；企业登录后在 /business/intermediary 自行发布）", true, "ServiceRequest") },
        "/api/v1/intermediary/requests/{no}": { "get": op("一项服务需求（公开；报价在选取后公开，随机抽取的种子和候选机构可复核）", "intermediary", false) },
        "/api/v1/intermediary/requests/{no}/selection": { "post": with_body("报价截止后按需求的选取方式选取中介机构（直接选取时 agency 为已报价机构的统一社会信用代码）", true, "Selection") },
        "/api/v1/intermediary/requests/{no}/rating": { "post": with_body("评价已交付的中介服务（服务质量、时效、态度、收费各1至5分；每项服务一次）", true, "ServiceRating") },
        "/api/v1/intermediary/requests/{no}/cancel": { "post": op("撤销尚未选取的服务需求", "intermediary", true) }
    });
    let text = json!({ "type": "string" });
    let num = json!({ "type": ["string", "number"] });
    let schemas = json!({
        "Agency": { "type": "object", "properties": {
            "credit_code": text, "name": text, "address": text, "contact_name": text, "phone": text,
            "gov_body": { "type": "string", "description": "原主管部门（无则不填）" },
            "decoupled_on": { "type": "string", "description": "脱钩日期 YYYY-MM-DD" } } },
        "Qualification": { "type": "object", "properties": {
            "service": text, "name": text, "level": text, "cert_no": text,
            "valid_from": { "type": "string", "format": "date" }, "valid_until": { "type": "string", "format": "date" },
            "fee_standard": text } },
        "AgencyPenalty": { "type": "object", "properties": {
            "reason": text, "authority": text, "decided_on": { "type": "string", "format": "date" },
            "valid_until": { "type": "string", "format": "date" }, "points": num } },
        "ServiceItems": { "type": "object", "properties": { "items": { "type": "array", "items": text } } },
        "ServiceRequest": { "type": "object", "properties": {
            "owner_code": text, "owner_name": text, "service": text, "title": text, "content": text,
            "project": { "type": "string", "description": "工程建设项目代码（选填；须为该业主的项目）" },
            "budget": { "type": ["string", "number"], "description": "最高限价（元）" },
            "rule": { "type": "string", "enum": ["lowest", "random", "direct"] },
            "reason": { "type": "string", "description": "直接选取的理由（最高限价5万元以下）" },
            "deadline": { "type": "string", "format": "date", "description": "报价截止日期" } } },
        "Selection": { "type": "object", "properties": { "agency": text } },
        "ServiceRating": { "type": "object", "properties": {
            "quality": num, "timeliness": num, "attitude": num, "fees": num, "note": text } }
    });
    for (k, v) in paths.as_object().into_iter().flatten() {
        doc["paths"][k] = v.clone();
    }
    for (k, v) in schemas.as_object().into_iter().flatten() {
        doc["components"]["schemas"][k] = v.clone();
    }
}

/// Public resource trading: the systems' feed, the public search, OCDS.
fn add_trading(doc: &mut Value) {
    let paths = json!({
        "/api/v1/trading/feed": { "post": {
            "summary": "交易系统推送公告（请求头 X-Source-Key 为该交易系统的推送密钥）：按来源公告编号和版本号去重，同一版本重复推送不作改动，较新版本更正原公告；有误的记录逐条返回位置和原因，其余照常保存",
            "tags": ["trading"],
            "parameters": [ { "name": "X-Source-Key", "in": "header", "required": true, "schema": { "type": "string" } } ],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TradingFeed" } } } },
            "responses": { "200": { "description": "{received, added, amended, unchanged, rejected[{line, id, reason}]}" },
                           "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
        "/api/v1/trading/credit": {
            "get": { "summary": "交易主体在公示期内的信用信息（行政处罚、不良行为记录；公开）", "tags": ["trading"],
                "parameters": [ { "name": "credit_code", "in": "query", "schema": { "type": "string" } } ],
                "responses": { "200": { "description": "{records[]}" },
                               "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } },
            "post": {
                "summary": "交易系统报送信用信息（请求头 X-Source-Key）：按编号和版本号去重，有误的逐条返回原因",
                "tags": ["trading"],
                "parameters": [ { "name": "X-Source-Key", "in": "header", "required": true, "schema": { "type": "string" } } ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "array", "items": { "type": "object", "properties": {
                    "id": { "type": "string" }, "version": { "type": "integer" }, "credit_code": { "type": "string" }, "name": { "type": "string" },
                    "kind": { "type": "string", "enum": ["penalty", "bad_conduct"] }, "reason": { "type": "string" }, "authority": { "type": "string" },
                    "decided_on": { "type": "string", "format": "date" }, "valid_until": { "type": "string", "format": "date" } } } } } } },
                "responses": { "200": { "description": "{received, added, amended, unchanged, rejected[]}" },
                               "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
        "/api/v1/trading/notices": { "get": {
            "summary": "公共资源交易公告查询（公开；发布日期新的在前，每页20条，next_cursor 翻页）", "tags": ["trading"],
            "parameters": [
                { "name": "kind", "in": "query", "schema": { "type": "string" }, "description": "works, goods, services, medicine, land, mineral, property" },
                { "name": "stage", "in": "query", "schema": { "type": "string" }, "description": "tender, amendment, candidates, result, contract" },
                { "name": "buyer", "in": "query", "schema": { "type": "string" } },
                { "name": "town", "in": "query", "schema": { "type": "string" } },
                { "name": "from", "in": "query", "schema": { "type": "string" } },
                { "name": "to", "in": "query", "schema": { "type": "string" } },
                { "name": "min", "in": "query", "schema": { "type": "string" }, "description": "金额下限（元）" },
                { "name": "max", "in": "query", "schema": { "type": "string" }, "description": "金额上限（元）" },
                { "name": "cursor", "in": "query", "schema": { "type": "string" } } ],
            "responses": { "200": { "description": "{notices[], next_cursor}" },
                           "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
        "/api/v1/trading/projects/{ocid}": { "get": {
            "summary": "一个交易项目从公告到合同的全部公告（公开）", "tags": ["trading"],
            "parameters": [ { "name": "ocid", "in": "path", "required": true, "schema": { "type": "string" } } ],
            "responses": { "200": { "description": "项目及其公告" },
                           "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
        "/ocds/releases": { "get": {
            "summary": "OCDS 1.1 发布包（release package），每页100个发布、按日期先后，links.next 为下一页；month=YYYY-MM 限定月份", "tags": ["trading"],
            "parameters": [ { "name": "cursor", "in": "query", "schema": { "type": "string" } }, { "name": "month", "in": "query", "schema": { "type": "string" } } ],
            "responses": { "200": { "description": "OCDS release package" },
                           "204": { "description": "尚无可发布的交易公告（发布包至少含一个发布）" },
                           "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
        "/ocds/releases/{month}": { "get": {
            "summary": "一个月全部发布的批量下载（如 /ocds/releases/2026-11.json），流式输出", "tags": ["trading"],
            "parameters": [ { "name": "month", "in": "path", "required": true, "schema": { "type": "string" } } ],
            "responses": { "200": { "description": "OCDS release package" },
                           "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
        "/ocds/records": { "get": {
            "summary": "OCDS 1.1 记录包（record package）：一个交易项目的全部发布及合并发布（compiledRelease）", "tags": ["trading"],
            "parameters": [ { "name": "ocid", "in": "query", "required": true, "schema": { "type": "string" } } ],
            "responses": { "200": { "description": "OCDS record package" },
                           "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } }
    });
    let schemas = json!({
        "TradingFeed": { "type": "object", "required": ["records"], "properties": {
            "records": { "type": "array", "maxItems": 50000, "items": { "type": "object", "properties": {
                "id": { "type": "string" }, "version": { "type": "integer" }, "project": { "type": "string" },
                "kind": { "type": "string" }, "stage": { "type": "string" }, "title": { "type": "string" },
                "buyer_name": { "type": "string" }, "buyer_code": { "type": "string" }, "agent_name": { "type": "string" },
                "agent_code": { "type": "string" }, "town": { "type": "string" }, "date": { "type": "string", "format": "date" },
                "amount_fen": { "type": "integer" }, "body": { "type": "string" },
                "suppliers": { "type": "array", "items": { "type": "object", "properties": {
                    "name": { "type": "string" }, "credit_code": { "type": "string" }, "amount_fen": { "type": "integer" },
                    "lot": { "type": "string", "description": "所中标段的编号" } } } },
                "lots": { "type": "array", "description": "招标公告划分的标段（采购包）", "items": { "type": "object", "properties": {
                    "id": { "type": "string" }, "title": { "type": "string" }, "amount_fen": { "type": "integer" } } } },
                "bids": { "type": "array", "description": "开标记录（中标候选人公示、结果公告、合同公告）", "items": { "type": "object", "properties": {
                    "name": { "type": "string" }, "credit_code": { "type": "string" }, "amount_fen": { "type": "integer" },
                    "lot": { "type": "string" } } } } } } } } }
    });
    for (k, v) in paths.as_object().into_iter().flatten() {
        doc["paths"][k] = v.clone();
    }
    for (k, v) in schemas.as_object().into_iter().flatten() {
        doc["components"]["schemas"][k] = v.clone();
    }
}

/// Window supervision's registers.
fn add_supervision(doc: &mut Value) {
    let paths = json!({
        "/api/v1/banners": {
            "get": op("锦旗登记簿（收到日期新的在前）", "supervision", true),
            "post": with_body(op("登记收到的锦旗（督查人员、系统管理员）：受赠窗口或单位、赠送人、锦旗内容、收到日期", "supervision", true), "Banner")
        },
        "/api/v1/innovations": {
            "get": op("创新服务举措登记簿（推出日期新的在前）", "supervision", true),
            "post": with_body(op("登记部门推出的创新服务举措（督查人员、系统管理员）：部门、举措、推出日期、成效", "supervision", true), "Innovation")
        },
        "/api/v1/key-projects": {
            "get": op("企业投诉处理中心挂钩项目（责任人、最近一周进展、待协调问题数）", "enterprise", true),
            "post": with_body(op("挂钩工程建设项目（督查人员、系统管理员）：项目代码、跟踪责任人", "enterprise", true), "KeyProject")
        },
        "/api/v1/complaints": {
            "get": { "summary": "企业投诉列表（企业投诉处理中心、话务员看全部，部门看分派给本部门的；最多300件，新的在前）", "tags": ["enterprise"],
                "security": [{ "bearer": [] }],
                "parameters": [ { "name": "show", "in": "query", "schema": { "type": "string", "enum": ["", "all", "open", "overdue"] }, "description": "all 全部，open 未答复，overdue 逾期未答复" } ],
                "responses": { "200": { "description": "{complaints[]}：联系电话已遮蔽" },
                               "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } },
            "post": with_body(op("登记电话或来访的企业投诉（话务员、督查人员、系统管理员）；网上投诉由企业登录后在门户提交", "enterprise", true), "Complaint")
        },
        "/api/v1/complaints/{no}": { "get": op("一件企业投诉（含联系电话全文，仅限可查看该投诉的工作人员）", "enterprise", true) },
        "/api/v1/complaints/{no}/assign": { "post": with_body(op("分派或改派承办部门及答复时限（工作日，默认5，最多30；督查人员、系统管理员）", "enterprise", true), "ComplaintAssign") },
        "/api/v1/complaints/{no}/answer": { "post": with_body(op("承办部门答复投诉（一次；按期限判定是否按时）", "enterprise", true), "ComplaintAnswer") },
        "/api/v1/complaints/{no}/coordinate": { "post": op("将涉及工程建设项目的投诉转为该项目的协调问题（督查人员、系统管理员）", "enterprise", true) },
        "/api/v1/enterprise-contacts": { "post": with_body(op("登记企业联系人（督查人员、系统管理员）：该联系人此后可凭手机验证码登录企业账户", "enterprise", true), "EnterpriseContact") },
        "/api/v1/surveys": {
            "get": op("各季度政府满意度测评（问卷、参评部门、发放与填写数）", "enterprise", true),
            "post": with_body(op("开展一个季度的满意度测评（督查人员、系统管理员）：季度、名称、问题（每行一个）、参评部门", "enterprise", true), "Questionnaire")
        },
        "/api/v1/surveys/{quarter}": { "get": op("季度测评结果：各部门得分与上季度对比、回收率、各发放单位回收情况、热点问题、意见建议与部门答复（部门只看本部门）", "enterprise", true) },
        "/api/v1/surveys/{quarter}/links": { "post": with_body(op("发放一次性测评链接：发给发放单位（distributor、count ≤ 500）或直接发给企业（enterprise_name）；链接只返回这一次", "enterprise", true), "SurveyLinks") },
        "/api/v1/surveys/{quarter}/close": { "post": op("结束季度测评：此后链接不能再填写", "enterprise", true) },
        "/api/v1/surveys/{quarter}/reply": { "post": with_body(op("被测评部门答复企业反映的问题（再次提交即更正）", "enterprise", true), "SurveyReply") },
        "/api/v1/survey-distributors": {
            "get": op("测评发放单位（区镇招商服务中心、商会、台协会等）", "enterprise", true),
            "post": with_body(op("登记发放单位；返回其查看回收情况的链接（只返回这一次）", "enterprise", true), "SurveyDistributor")
        },
        "/api/v1/key-projects/{code}/progress": { "post": with_body(op("填写挂钩项目每周进展（同一周再次填写即更正）", "enterprise", true), "ProjectProgress") },
        "/api/v1/assessment": { "get": {
            "summary": "季度窗口考核：各窗口按月度巡查、第三方暗访、好差评、办件时效、投诉、表扬加权得分及排名，部门平均得分（quarter 如 2026-Q2，省略为本季度）",
            "tags": ["supervision"], "security": [{ "bearer": [] }],
            "parameters": [ { "name": "quarter", "in": "query", "schema": { "type": "string", "pattern": "^$|^[0-9]{4}-[Qq][1-4]$" } } ],
            "responses": { "200": { "description": "{quarter, weights, windows[], departments[]}" },
                           "4XX": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
        "/api/v1/assessment/weights": { "post": with_body(op("设定季度考核权重（系统管理员）：六项权重为0至100的整数，合计100", "supervision", true), "AssessmentWeights") },
        "/api/v1/patrols": {
            "get": op("窗口月度巡查记录（巡查日期新的在前，最多500条）", "supervision", true),
            "post": with_body(op("录入窗口巡查（督查人员、系统管理员）：窗口、日期、检查表中发现问题的项目及问题情况；现场照片在巡查页面上传", "supervision", true), "Patrol")
        }
    });
    let schemas = json!({
        "Banner": { "type": "object", "required": ["received_on", "giver", "words"], "properties": {
            "received_on": { "type": "string", "format": "date" },
            "window": { "type": "string", "description": "受赠窗口编号（与 department 至少填一项）" },
            "department": { "type": "string", "description": "受赠单位（部门代码）" },
            "giver": { "type": "string", "minLength": 1, "maxLength": 100 },
            "words": { "type": "string", "minLength": 1, "maxLength": 50 } } },
        "Complaint": { "type": "object", "required": ["channel", "credit_code", "enterprise_name", "contact_name", "phone", "subject", "content"], "properties": {
            "channel": { "type": "string", "enum": ["phone", "visit"] },
            "credit_code": { "type": "string", "description": "统一社会信用代码（GB 32100）" },
            "enterprise_name": { "type": "string", "minLength": 1, "maxLength": 100 },
            "contact_name": { "type": "string", "minLength": 1, "maxLength": 50 },
            "phone": { "type": "string", "description": "手机或固定电话" },
            "subject": { "type": "string", "minLength": 1, "maxLength": 100 },
            "content": { "type": "string", "minLength": 1, "maxLength": 2000 },
            "project": { "type": "string", "description": "涉及的工程建设项目代码（选填）" } } },
        "ComplaintAssign": { "type": "object", "required": ["department"], "properties": {
            "department": { "type": "string", "description": "部门代码" },
            "limit_days": { "type": "integer", "minimum": 1, "maximum": 30 } } },
        "ComplaintAnswer": { "type": "object", "required": ["answer"], "properties": {
            "answer": { "type": "string", "minLength": 1, "maxLength": 2000 } } },
        "EnterpriseContact": { "type": "object", "required": ["credit_code", "contact_name", "phone"], "properties": {
            "credit_code": { "type": "string" }, "contact_name": { "type": "string", "minLength": 1, "maxLength": 50 },
            "phone": { "type": "string", "description": "手机号码" } } },
        "Questionnaire": { "type": "object", "required": ["quarter", "title", "questions", "departments"], "properties": {
            "quarter": { "type": "string", "pattern": "^[0-9]{4}-[Qq][1-4]$" },
            "title": { "type": "string", "minLength": 1, "maxLength": 100 },
            "questions": { "type": "string", "description": "每行一个问题，最多10个" },
            "departments": { "type": "array", "items": { "type": "string" }, "description": "参评部门代码" } } },
        "SurveyLinks": { "type": "object", "properties": {
            "distributor": { "type": "string", "description": "发放单位名称" },
            "count": { "type": "integer", "minimum": 1, "maximum": 500 },
            "enterprise_name": { "type": "string", "maxLength": 100 } } },
        "SurveyReply": { "type": "object", "required": ["reply"], "properties": { "reply": { "type": "string", "minLength": 1, "maxLength": 2000 } } },
        "SurveyDistributor": { "type": "object", "required": ["name", "kind"], "properties": {
            "name": { "type": "string", "minLength": 1, "maxLength": 100 },
            "kind": { "type": "string", "enum": ["town", "chamber", "taiwan", "other"] } } },
        "KeyProject": { "type": "object", "required": ["project", "responsible"], "properties": {
            "project": { "type": "string", "description": "项目代码" }, "responsible": { "type": "string", "minLength": 1, "maxLength": 50 } } },
        "ProjectProgress": { "type": "object", "required": ["progress"], "properties": {
            "week": { "type": "string", "format": "date", "description": "该周任一日期，省略为本周" },
            "progress": { "type": "string", "minLength": 1, "maxLength": 1000 }, "problems": { "type": "string", "maxLength": 1000 } } },
        "AssessmentWeights": { "type": "object", "required": ["quarter", "patrols", "visits", "ratings", "on_time", "complaints", "commendations"], "properties": {
            "quarter": { "type": "string", "pattern": "^[0-9]{4}-[Qq][1-4]$" },
            "patrols": { "type": "integer", "minimum": 0, "maximum": 100 }, "visits": { "type": "integer", "minimum": 0, "maximum": 100 },
            "ratings": { "type": "integer", "minimum": 0, "maximum": 100 }, "on_time": { "type": "integer", "minimum": 0, "maximum": 100 },
            "complaints": { "type": "integer", "minimum": 0, "maximum": 100 }, "commendations": { "type": "integer", "minimum": 0, "maximum": 100 } } },
        "Patrol": { "type": "object", "required": ["window"], "properties": {
            "window": { "type": "string", "description": "窗口编号" },
            "patrolled_on": { "type": "string", "format": "date", "description": "省略为今天" },
            "failed": { "type": "array", "items": { "type": "string", "enum": ["attendance", "dress", "discipline", "manner", "environment"] }, "description": "发现问题的检查项目：在岗考勤、着装仪表、工作纪律、服务态度、窗口环境" },
            "note": { "type": "string", "maxLength": 500, "description": "问题情况（有问题时必填）" } } },
        "Innovation": { "type": "object", "required": ["department", "title", "introduced_on", "effect"], "properties": {
            "department": { "type": "string" },
            "title": { "type": "string", "minLength": 1, "maxLength": 200 },
            "introduced_on": { "type": "string", "format": "date" },
            "effect": { "type": "string", "minLength": 1, "maxLength": 500 } } }
    });
    for (k, v) in paths.as_object().into_iter().flatten() {
        doc["paths"][k] = v.clone();
    }
    for (k, v) in schemas.as_object().into_iter().flatten() {
        doc["components"]["schemas"][k] = v.clone();
    }
}

/// The 12345 knowledge base and hot topics.
fn add_knowledge_base(doc: &mut Value) {
    let paths = json!({
        "/api/v1/kb/search": { "get": {
            "summary": "搜索咨询知识库（中文分词，命中词以 <mark> 标出；公众只见有效期内的问答，未命中的问题进入待答复队列；工作人员带令牌时也见已过期的）",
            "tags": ["knowledge-base"],
            "parameters": [
                { "name": "q", "in": "query", "schema": { "type": "string", "maxLength": 200 } },
                { "name": "department", "in": "query", "schema": { "type": "string" } },
                { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } },
                { "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 50 } }
            ],
            "responses": { "200": { "description": "命中的问答：items[].question_html、snippet_html 为已转义的HTML" },
                           "4XX": { "description": "参数有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
        "/api/v1/kb/faq": { "get": op("问答专栏（公开）", "knowledge-base", false) },
        "/api/v1/kb/articles": { "get": op("知识库条目列表（工作人员）", "knowledge-base", true),
                                 "post": with_body(op("新增问答（话务员、督查、管理员；成员单位限本单位）", "knowledge-base", true), "KbArticle") },
        "/api/v1/kb/articles/{id}": { "get": op("问答详情（公众只见已发布且在有效期内的）", "knowledge-base", false),
                                      "put": with_body(op("修改问答", "knowledge-base", true), "KbArticle") },
        "/api/v1/kb/articles/{id}/withdraw": { "post": op("撤下问答", "knowledge-base", true) },
        "/api/v1/kb/questions": { "get": op("待答复问题队列（status：open、answered、dismissed）", "knowledge-base", true),
                                  "post": op("话务员登记知识库未能解答的问题", "knowledge-base", true) },
        "/api/v1/kb/questions/{id}/answer": { "post": with_body(op("答复待答复问题：发布为新问答", "knowledge-base", true), "KbArticle") },
        "/api/v1/kb/questions/{id}/dismiss": { "post": op("忽略待答复问题", "knowledge-base", true) },
        "/api/v1/hotline/topics": { "get": {
            "summary": "12345热点诉求：按诉求分类与地点聚类区间内的工单，并与上一同长周期比较",
            "tags": ["hotline"], "security": [{ "bearer": [] }],
            "parameters": [
                { "name": "from", "in": "query", "description": "YYYY-MM-DD；空为截止日前30天", "schema": { "type": "string", "pattern": "^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$" } },
                { "name": "to", "in": "query", "description": "YYYY-MM-DD；空为今天", "schema": { "type": "string", "pattern": "^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$" } },
                { "name": "min", "in": "query", "schema": { "type": "integer", "minimum": 2, "maximum": 1000 } }
            ],
            "responses": { "200": { "description": "topics[]：subject、place、count、before、trend、orders" },
                           "4XX": { "description": "参数有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } }
    });
    let schemas = json!({
        "KbArticle": { "type": "object", "required": ["question", "answer"], "properties": {
            "question": { "type": "string", "maxLength": 200 }, "answer": { "type": "string", "maxLength": 5000 },
            "department": { "type": "string", "description": "答复单位代码" },
            "tags": { "type": "string", "description": "以逗号、顿号或空格分隔，最多10个" },
            "valid_until": { "type": "string", "format": "date" }, "faq": { "type": "boolean" } } }
    });
    for (k, v) in paths.as_object().into_iter().flatten() {
        doc["paths"][k] = v.clone();
    }
    for (k, v) in schemas.as_object().into_iter().flatten() {
        doc["components"]["schemas"][k] = v.clone();
    }
}
