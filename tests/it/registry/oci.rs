//! A minimal OCI image layout written by hand (one layer, config, manifest, index.json,
//! oci-layout), for `skopeo copy oci:DIR:latest docker://…` to push.

use std::path::Path;
use std::process::Command;

use crate::util::tool;

/// Writes a minimal OCI image layout (one layer, config, manifest, index) into `dir`.
pub fn oci_layout(dir: &Path) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| -> (String, usize) {
        let tmp = dir.join("blob.tmp");
        std::fs::write(&tmp, bytes).unwrap();
        let out = Command::new(tool("sha256sum")).arg(&tmp).output().unwrap();
        let hex = String::from_utf8(out.stdout).unwrap()[..64].to_string();
        std::fs::rename(&tmp, blobs.join(&hex)).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let content = dir.join("content");
    std::fs::create_dir(&content).unwrap();
    std::fs::write(content.join("hello.txt"), "built by phib's test\n").unwrap();
    let layer = Command::new(tool("tar"))
        .args(["-c", "-C"])
        .arg(&content)
        .arg("hello.txt")
        .output()
        .unwrap();
    assert!(layer.status.success());
    let (layer_digest, layer_size) = put(&layer.stdout);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
    });
    let (config_digest, config_size) = put(config.to_string().as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size}],
    });
    let (manifest_digest, manifest_size) = put(manifest.to_string().as_bytes());
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest, "size": manifest_size,
            "annotations": {"org.opencontainers.image.ref.name": "latest"},
        }],
    });
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}
