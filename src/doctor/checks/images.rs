//! PrimeHub's Images: each one's pull Secret exists and holds a login for the image's
//! own registry (built images pull with the push Secret).

use super::secret::login_in;
use crate::doctor::objects::ImageObject;
use crate::doctor::{Check, Diagnosis, Finding, Inputs, Listing};
use crate::registry::check;

/// The registry host of an image reference (`docker.io` when it names none).
fn image_host(url: &str) -> String {
    if url.contains('/') {
        if let Some(h) = check::repository_host(url) {
            return h.to_string();
        }
    }
    check::DOCKER_HUB.to_string()
}

/// Why one Image cannot pull with its pull Secret: (why, fix, fails), or `None`
/// when the Secret holds a login for every registry the Image names (that login is
/// then hidden in the report).
fn problem(
    i: &Inputs,
    d: &mut Diagnosis,
    image: &ImageObject,
    secret_name: &str,
) -> Option<(String, String, bool)> {
    let mut hosts: Vec<String> = [&image.url, &image.url_for_gpu]
        .into_iter()
        .flatten()
        .map(|u| image_host(u))
        .collect();
    hosts.dedup();
    if hosts.is_empty() {
        hosts.push(image_host(""));
    }
    match i.objects.secret(secret_name) {
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
    }
}

/// Images that cannot pull, grouped by what is wrong.
struct Bad {
    images: Vec<String>,
    why: String,
    fix: String,
    fails: bool,
}

pub(super) fn images(i: &Inputs, d: &mut Diagnosis) {
    match &i.images {
        Listing::NotAsked => return,
        Listing::Failed(why) => {
            d.findings.push(Finding::warn(
                Check::ImagePullSecrets,
                format!("cannot list PrimeHub's Images: {why}"),
                "check that kubectl can `get images.primehub.io` in the namespace",
            ));
            return;
        }
        Listing::Listed => {}
    }
    // One finding per problem, naming the Images that have it.
    let mut bad: Vec<Bad> = Vec::new();
    let mut checked = 0;
    for image in &i.objects.images {
        let Some(secret_name) = &image.pull_secret else {
            continue;
        };
        checked += 1;
        if let Some((why, fix, fails)) = problem(i, d, image, secret_name) {
            match bad.iter_mut().find(|b| b.why == why) {
                Some(b) => b.images.push(image.name.clone()),
                None => bad.push(Bad {
                    images: vec![image.name.clone()],
                    why,
                    fix,
                    fails,
                }),
            }
        }
    }
    let out = &mut d.findings;
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
    for b in bad {
        let names = &b.images;
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
            "{who}: {}; notebooks using {} cannot pull",
            b.why,
            if names.len() == 1 { "it" } else { "them" }
        );
        out.push(if b.fails {
            Finding::fail(Check::ImagePullSecrets, finding, b.fix)
        } else {
            Finding::warn(Check::ImagePullSecrets, finding, b.fix)
        });
    }
}
