//! The 12345 hotline (12345 便民服务中心): work orders from every channel through the
//! closed loop (`orders`), the services a request is about (`services`), the Open311
//! GeoReport v2 endpoint (`open311`), the dispatch rules (`dispatch`), intake by
//! email and other channels (`intake`), the switch's call records (`calls`), hot
//! topics (`topics`) and the knowledge base (`kb`).

pub mod calls;
pub mod dispatch;
pub mod intake;
pub mod kb;
pub mod open311;
pub mod orders;
pub mod services;
pub mod topics;

pub use open311::*;
pub use orders::*;
pub use services::*;
