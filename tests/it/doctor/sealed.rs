//! The faults of a push Secret kept as a SealedSecret (`phib render --secret-mode
//! sealed`): the controller's keys cannot open it, a Secret made elsewhere is in its
//! way, the controller never handled it; and the healthy set-up. Planted on every
//! chart fixture like the others; the objects are `shapes`'.

use super::shapes::{self, Sealed, NOT_MANAGED, NO_KEY};
use super::{external_mode, the_external_secret, Fault, ALL};

pub fn faults() -> Vec<Fault> {
    vec![
        Fault {
            name: "healthy, login in a SealedSecret the controller unsealed",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || shapes::sealed_secret(Sealed::Synced) + &shapes::unsealed_secret(),
            expect: &[],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "a SealedSecret sealed for another cluster: no key opens it",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                shapes::sealed_secret(Sealed::Failed(
                    NO_KEY,
                    "ErrUnsealFailed",
                    "Failed to unseal: no key could decrypt secret (.dockerconfigjson)",
                ))
            },
            expect: &["sealed-secret:fail"],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "a SealedSecret whose Secret was made elsewhere (external mode's)",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                shapes::sealed_secret(Sealed::Failed(
                    NOT_MANAGED,
                    "ErrUpdateFailed",
                    "Resource \"image-builder-push\" already exists and is not managed by SealedSecret",
                )) + &the_external_secret()
            },
            expect: &["sealed-secret:fail"],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "a SealedSecret the controller never handled",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || shapes::sealed_secret(Sealed::NoStatus),
            // Offline the bundle may just lack the Secret; live it does not exist.
            expect: &["sealed-secret:warn"],
            live: Some(&["sealed-secret:fail"]),
            logs: super::no_logs,
        },
        Fault {
            name: "the unsealed push Secret without its SealedSecret in the bundle",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: shapes::unsealed_secret,
            // Live, the namespace has no SealedSecret: the Secret is all there is.
            expect: &["sealed-secret:warn"],
            live: Some(&[]),
            logs: super::no_logs,
        },
    ]
}
