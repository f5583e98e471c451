//! PrimeHub's Images: each one's pull Secret exists and holds a login for the image's
//! own registry (built images pull with the push Secret).

use super::secret::login_in;
use crate::doctor::{Check, Diagnosis, Finding, Inputs, Listing};
use crate::registry::check;

/// The registry host of an image reference (`docker.io` when it names none).
fn image_host(url: &str) -> String {
    if url.contains('/') {
        if let Some(h) = check::repository_host(url) {
            return h.to_string();
        }
    }
    "docker.io".to_string()
}

pub(super) fn images(i: &Inputs, d: &mut Diagnosis) {
    let out = &mut d.findings;
    match &i.images {
        Listing::NotAsked => return,
        Listing::Failed(why) => {
            out.push(Finding::warn(
                Check::ImagePullSecrets,
                format!("cannot list PrimeHub's Images: {why}"),
                "check that kubectl can `get images.primehub.io` in the namespace",
            ));
            return;
        }
        Listing::Listed => {}
    }
    // One finding per Secret, naming the Images that use it.
    let mut bad: Vec<(String, Vec<String>, String, String, bool)> = Vec::new();
    let mut checked = 0;
    for image in &i.objects.images {
        let Some(secret_name) = &image.pull_secret else {
            continue;
        };
        checked += 1;
        let mut hosts: Vec<String> = [&image.url, &image.url_for_gpu]
            .into_iter()
            .flatten()
            .map(|u| image_host(u))
            .collect();
        hosts.dedup();
        if hosts.is_empty() {
            hosts.push(image_host(""));
        }
        let problem = match i.objects.secret(secret_name) {
            None if i.live => Some((
                format!("its pull Secret `{secret_name}` does not exist"),
                format!("point them at the push Secret: `kubectl patch images.primehub.io NAME --type merge -p '{{\"spec\":{{\"pullSecret\":\"NEW\"}}}}'`, or recreate `{secret_name}`"),
                true,
            )),
            None => Some((
                format!("its pull Secret `{secret_name}` is not in the manifests"),
                format!("add `kubectl get secret {secret_name} -o yaml` to the manifests, or run `phib doctor` on the cluster"),
                false,
            )),
            Some(s) => hosts.iter().find_map(|host| {
                match login_in(s, host, &format!("its pull Secret `{secret_name}`")) {
                    Ok(login) => {
                        d.redactor
                            .add_login(&login.username, login.password.expose());
                        None
                    }
                    Err((why, fix)) => Some((why, fix, true)),
                }
            }),
        };
        if let Some((why, fix, fails)) = problem {
            match bad.iter_mut().find(|b| b.2 == why) {
                Some(b) => b.1.push(image.name.clone()),
                None => bad.push((
                    secret_name.clone(),
                    vec![image.name.clone()],
                    why,
                    fix,
                    fails,
                )),
            }
        }
    }
    if checked == 0 {
        out.push(Finding::ok(
            Check::ImagePullSecrets,
            format!(
                "{} Image{} and none names a pull Secret",
                i.objects.images.len(),
                if i.objects.images.len() == 1 { "" } else { "s" }
            ),
        ));
    } else if bad.is_empty() {
        out.push(Finding::ok(
            Check::ImagePullSecrets,
            format!(
                "{checked} Image{} with a pull Secret: each holds a login for the image's registry",
                if checked == 1 { "" } else { "s" }
            ),
        ));
    }
    for (_, names, why, fix, fails) in bad {
        let who = format!(
            "Image{} {}",
            if names.len() == 1 { "" } else { "s" },
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let finding = format!(
            "{who}: {why}; notebooks using {} cannot pull",
            if names.len() == 1 { "it" } else { "them" }
        );
        out.push(if fails {
            Finding::fail(Check::ImagePullSecrets, finding, fix)
        } else {
            Finding::warn(Check::ImagePullSecrets, finding, fix)
        });
    }
}
