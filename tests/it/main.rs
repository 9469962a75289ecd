//! herald's integration tests. They are one test binary: the harness in `support`
//! is compiled and linked once instead of once per file, and the compiler sees
//! every use of it, so a helper no test calls is reported as dead.

mod approval_setup;
mod approvals;
mod archive;
mod cli_check;
mod cli_render;
mod cli_templates;
mod controls;
mod delivery_faults;
mod golden;
mod guard_campaign;
mod guard_forms;
mod guard_leaks;
mod guard_props;
mod guard_variants;
mod guard_wire;
mod osv;
mod preview;
mod profiles;
mod readme;
mod real;
mod release_day;
mod render_out;
mod send;
mod send_preflight;
mod signing;
mod smtp_harness;
mod support;
mod wire_attacks;
