//! Administration: the service layer every admin surface calls (`ops`), the acting principal
//! (`actor`), the error type (`error`) and the REST API (`api`). The audit log view, the body
//! export and the user import are operations too (`ops::audit_log`, `ops::export`,
//! `ops::import`).
//!
//! # Using the service layer (web UI, API, CLI)
//!
//! Every ability is a plain async function in `ops::<area>` taking the [`AppState`], the acting
//! principal and an input struct, e.g.
//!
//! ```ignore
//! let actor = AdminActor::for_user(&state, current_user.user, client_info).await?;
//! let user = admin::ops::users::create(&state, &actor, NewUser { email: "a@b.org".into(), .. }).await?;
//! ```
//!
//! Each function asks the delegation policy (`policy::delegation`), refuses with
//! `AdminError::Forbidden(reason)` (and audits the refusal), validates input
//! (`AdminError::Invalid { field, message }`), writes in one transaction together with its audit
//! row, and returns the changed record. `AdminError` converts into `AppError` for HTML pages
//! (`?` works in handlers returning `AppError`); the API uses `AdminError::into_api` for JSON.
//!
//! Areas: `users` (search, show, create, edit, flag, disable, log out everywhere, reset 2FA,
//! sign-in email, remove/anonymise, superuser), `bodies` (create/edit, status, domains, 2FA and
//! password policy, SSO connection, external ids, contractor links), `roles` (custom roles,
//! from templates), `memberships` (roles, direct permissions, workstreams, areas; Street
//! Manager role rules), `clients` (relying apps and their admin rights), `abuse` (bans).
//!
//! [`AppState`]: crate::app::AppState

pub mod actor;
pub mod api;
pub mod error;
pub mod idempotency;
pub mod ops;
pub mod scim_api;

pub use actor::{AdminActor, StepUp};
pub use error::AdminError;
/// The old paths of the audit log view, the body export and the user import, which are admin
/// operations (`ops::audit_log`, `ops::export`, `ops::import`); kept for the admin UI's pages.
pub use ops::{audit_log, export, import};
