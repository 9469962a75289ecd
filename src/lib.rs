//! herald turns a release's metadata and its classified security issues into
//! golang-announce-style mail, checks it against the security policy, and
//! sends it to mailing lists over SMTP.
//!
//! The data flows through one module per stage:
//! [`load`] → [`validate`] → [`plan`] → [`render`] → [`guard`] → [`deliver`].

pub mod app;
pub mod config;
pub mod deliver;
pub mod drafts;
pub mod english;
pub mod guard;
pub mod journal;
pub mod load;
pub mod model;
pub mod osv;
pub mod plan;
pub mod render;
pub mod source;
pub mod validate;
