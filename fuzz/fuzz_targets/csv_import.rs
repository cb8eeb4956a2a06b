//! The CSV user import: reading, header and row checks (emails, names, bodies, roles,
//! permissions, password hashes), as a dry run against the fuzzing database.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stile::admin::import::{self, ImportOptions, Quiet};

fuzz_target!(|data: &[u8]| {
    let app = stile_fuzz::app();
    let opts = ImportOptions {
        into_body: None,
        authorise: None,
        superuser: true,
        hash_limits: stile::auth::password::HashLimits::from(&app.state.settings.password),
        dry_run: true,
        actor_user_id: None,
        actor_client_id: None,
        ip: "",
        user_agent: "",
    };
    let now = app.state.now();
    let _ = app.rt.block_on(import::run(&app.state.db, &*app.state.rng, now, data, &opts, &mut Quiet));
});
