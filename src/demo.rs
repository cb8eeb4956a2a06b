//! The demo's names, shared by its pages (`web::demo`) and its seed (`admin::ops::demo`, which
//! creates the app and user on a fresh installation's first start).

pub const CLIENT_ID: &str = "stile-demo";
pub const USER_EMAIL: &str = "demo@example.org";
