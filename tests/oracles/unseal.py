"""Unseals a SealedSecret with the controller's private key, as the sealed-secrets
controller would: an oracle for phib's sealing that shares no code with it.

usage: unseal.py [--impl own|kubesealpy] PRIVATE_KEY.pem SEALED.yaml

Prints the Secret the controller would create, as JSON, and exits 0; exits 1 with the
reason on standard error when it cannot be unsealed (wrong key, wrong label: the
SealedSecret was moved to a name or namespace its scope does not allow).

`own` follows the controller's code (bitnami-labs/sealed-secrets, `SealedSecret.Unseal`
in pkg/apis/sealedsecrets/v1alpha1 and `HybridDecrypt` in pkg/crypto) with the PyPI
`cryptography` package: the scope from the SealedSecret's own annotations (cluster-wide
first, only the exact value "true"), the label `NAMESPACE/NAME`, `NAMESPACE` or empty,
each `encryptedData` value as base64 of a two-byte big-endian length, that many bytes of
RSA-OAEP (SHA-256 for the hash and MGF1) holding the AES-256 session key, and the value
under AES-256-GCM with a zero 12-byte nonce. The Secret takes the template's metadata and
type, then the SealedSecret's name and namespace. `kubesealpy` uses the PyPI package
`kubesealpy`'s own `Unsealer` instead, a second implementation.
"""

import base64
import binascii
import json
import sys

import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CLUSTER_WIDE = "sealedsecrets.bitnami.com/cluster-wide"
NAMESPACE_WIDE = "sealedsecrets.bitnami.com/namespace-wide"


class Refused(Exception):
    pass


def label_for(meta):
    annotations = meta.get("annotations") or {}
    namespace = meta.get("namespace") or ""
    name = meta.get("name") or ""
    if annotations.get(CLUSTER_WIDE) == "true":
        return b""
    if annotations.get(NAMESPACE_WIDE) == "true":
        return namespace.encode()
    return f"{namespace}/{name}".encode()


def hybrid_decrypt(key, ciphertext, label):
    if len(ciphertext) < 2:
        raise Refused("too short")
    rsa_len = int.from_bytes(ciphertext[:2], "big")
    if len(ciphertext) < rsa_len + 2:
        raise Refused("too short")
    rsa_part, aes_part = ciphertext[2 : rsa_len + 2], ciphertext[rsa_len + 2 :]
    oaep = padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()),
        algorithm=hashes.SHA256(),
        label=label or None,
    )
    try:
        session_key = key.decrypt(rsa_part, oaep)
    except ValueError as e:
        raise Refused(f"RSA-OAEP: {e}") from None
    if len(session_key) != 32:
        raise Refused(f"a session key of {len(session_key)} bytes")
    try:
        return AESGCM(session_key).decrypt(b"\0" * 12, aes_part, None)
    except Exception as e:  # cryptography's InvalidTag has no message
        raise Refused(f"AES-GCM: {type(e).__name__}") from None


def unseal_own(key, doc):
    if doc.get("apiVersion") != "bitnami.com/v1alpha1" or doc.get("kind") != "SealedSecret":
        raise Refused("not a bitnami.com/v1alpha1 SealedSecret")
    meta = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    if spec.get("data") is not None:
        raise Refused("the deprecated `spec.data`")
    label = label_for(meta)
    template = spec.get("template") or {}
    secret_meta = dict(template.get("metadata") or {})
    secret_meta["name"] = meta.get("name")
    secret_meta["namespace"] = meta.get("namespace")
    data = {}
    for k, v in (spec.get("encryptedData") or {}).items():
        try:
            raw = base64.b64decode(v, validate=True)
        except (binascii.Error, TypeError) as e:
            raise Refused(f"{k}: not base64: {e}") from None
        try:
            plain = hybrid_decrypt(key, raw, label)
        except Refused as e:
            raise Refused(f"{k}: no key could decrypt it ({e})") from None
        data[k] = base64.b64encode(plain).decode()
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": secret_meta}
    if template.get("type"):
        secret["type"] = template["type"]
    secret["data"] = data
    return secret


def unseal_kubesealpy(key_path, text):
    from kubesealpy import SealedSecret, Unsealer
    from kubesealpy.exceptions import KubesealPyError

    try:
        sealed = SealedSecret.from_yaml(text)
        secret = Unsealer.from_private_key_file(key_path).unseal(sealed)
    except KubesealPyError as e:
        raise Refused(f"kubesealpy: {type(e).__name__}: {e}") from None
    return secret.model_dump(by_alias=True, exclude_none=True)


def main(argv):
    impl = "own"
    if argv[:1] == ["--impl"]:
        impl, argv = argv[1], argv[2:]
    if len(argv) != 2 or impl not in ("own", "kubesealpy"):
        print(__doc__, file=sys.stderr)
        return 2
    key_path, sealed_path = argv
    with open(sealed_path) as f:
        text = f.read()
    try:
        if impl == "own":
            with open(key_path, "rb") as f:
                key = serialization.load_pem_private_key(f.read(), password=None)
            secret = unseal_own(key, yaml.safe_load(text))
        else:
            secret = unseal_kubesealpy(key_path, text)
    except Refused as e:
        print(f"cannot unseal: {e}", file=sys.stderr)
        return 1
    print(json.dumps(secret, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
