//! End-to-end: what `phib render` writes, rendered by the real `helm template` of the
//! fixture chart (which builds the push Secret and ConfigMap as PrimeHub's chart does),
//! gives back exactly `username:password`; a keyfile gives exactly `jq -c .`.
