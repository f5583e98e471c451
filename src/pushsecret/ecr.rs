//! ECR tokens last 12 hours, so a static push Secret would stop working the same day.
//! The external-secrets.io operator (ESO) can keep one fresh: its `ECRAuthorizationToken`
//! generator asks AWS for a token, and an `ExternalSecret` templates it into a
//! `kubernetes.io/dockerconfigjson` Secret and renews it every `refreshInterval`. This
//! replaces InfuseAI's aws-ecr-credential chart, which no longer installs on Kubernetes
//! 1.25+. The manifests hold no secret: AWS access comes from the cluster (IRSA service
//! account, or the operator's own identity).

use super::refresh::{AwsAuth, Identity, Refresh};
use super::ExternalOptions;
use crate::registry::check;
use crate::{Error, Result};

/// What the refresh manifests need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcrRefresh {
    /// The Secret to keep fresh (also the `ExternalSecret`'s name).
    pub name: String,
    pub namespace: String,
    /// `registryEndpoint`: `https://ACCOUNT.dkr.ecr.REGION.amazonaws.com`.
    pub registry_endpoint: String,
    pub region: String,
    /// An IRSA service account in `namespace` allowed `ecr:GetAuthorizationToken`;
    /// `None`: the operator's own AWS identity.
    pub service_account: Option<String>,
}

impl EcrRefresh {
    /// Checks the names as [`super::split`] does and fills the defaults.
    pub fn new(
        opts: &ExternalOptions,
        registry_endpoint: &str,
        region: &str,
        service_account: Option<String>,
    ) -> Result<EcrRefresh> {
        let (name, namespace) = opts.name_and_namespace()?;
        if let Some(sa) = &service_account {
            check::secret_name(sa).map_err(|e| {
                Error::usage(format!("`--ecr-service-account` `{sa}` {}", e.reason))
                    .with_help(e.help)
            })?;
        }
        Ok(EcrRefresh {
            name: name.to_string(),
            namespace: namespace.to_string(),
            registry_endpoint: registry_endpoint.to_string(),
            region: region.to_string(),
            service_account,
        })
    }

    /// The same manifests as the generic keyless builder writes for AWS.
    pub fn refresh(&self) -> Refresh {
        Refresh {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            registry_endpoint: self.registry_endpoint.clone(),
            identity: Identity::Aws {
                region: self.region.clone(),
                auth: match self.service_account {
                    Some(_) => AwsAuth::Irsa { role_arn: None },
                    None => AwsAuth::Operator,
                },
            },
            service_account: self.service_account.clone(),
        }
    }

    /// The generator's name.
    pub fn generator_name(&self) -> String {
        self.refresh().generator_name()
    }

    /// Two YAML documents: the `ECRAuthorizationToken` generator and the
    /// `ExternalSecret` that templates its `username`/`password` into the Secret.
    pub fn manifests(&self) -> String {
        self.refresh().manifests()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pushsecret::DEFAULT_NAME;

    fn refresh(sa: Option<&str>) -> EcrRefresh {
        let opts = ExternalOptions {
            name: None,
            namespace: Some("hub".into()),
            release: None,
        };
        EcrRefresh::new(
            &opts,
            "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "us-east-1",
            sa.map(str::to_string),
        )
        .unwrap()
    }

    #[test]
    fn generator_and_external_secret_parse_and_point_at_each_other() {
        let text = refresh(Some("ecr-reader")).manifests();
        let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&text)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect();
        assert_eq!(docs.len(), 2);
        let (gen, es) = (&docs[0], &docs[1]);
        assert_eq!(gen["kind"], "ECRAuthorizationToken");
        assert_eq!(gen["spec"]["region"], "us-east-1");
        assert_eq!(
            gen["spec"]["auth"]["jwt"]["serviceAccountRef"]["name"],
            "ecr-reader"
        );
        assert_eq!(es["kind"], "ExternalSecret");
        assert_eq!(es["metadata"]["name"], DEFAULT_NAME);
        assert_eq!(es["spec"]["target"]["name"], DEFAULT_NAME);
        assert_eq!(
            es["spec"]["target"]["template"]["type"],
            crate::pushsecret::SECRET_TYPE
        );
        assert_eq!(es["spec"]["refreshInterval"], "1h");
        let gref = &es["spec"]["dataFrom"][0]["sourceRef"]["generatorRef"];
        assert_eq!(gref["name"], gen["metadata"]["name"]);
        assert_eq!(gref["kind"], "ECRAuthorizationToken");
        let tpl = es["spec"]["target"]["template"]["data"][".dockerconfigjson"]
            .as_str()
            .unwrap();
        assert_eq!(
            tpl,
            r#"{"auths":{"123456789012.dkr.ecr.us-east-1.amazonaws.com":{"username":{{ .username | toJson }},"password":{{ .password | toJson }},"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}"#
        );
    }

    #[test]
    fn without_a_service_account_the_operator_identity_is_used() {
        let text = refresh(None).manifests();
        assert!(!text.contains("auth:\n"), "{text}");
        assert!(!text.contains("ServiceAccount"), "{text}");
        let opts = ExternalOptions {
            name: Some("x".into()),
            namespace: None,
            release: None,
        };
        assert!(EcrRefresh::new(&opts, "https://a", "r", Some("Bad".into())).is_err());
    }
}
