//! Queries for administration (issue 7): users, bodies, roles, memberships, bans and the
//! administrative rights of machine clients. Writes take an open transaction (`&mut
//! AnyConnection`, e.g. `&mut *tx`) so the service layer commits a change with its audit row.

pub mod abuse;
pub mod bodies;
pub mod clients;
pub mod memberships;
pub mod roles;
pub mod users;

pub use sqlx::AnyConnection as Conn;
