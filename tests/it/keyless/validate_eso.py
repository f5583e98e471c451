"""Validates Kubernetes manifests against CRD openAPIV3Schemas.

usage: validate_eso.py CRD_DIR MANIFEST...

Every document whose apiVersion/kind a CRD in CRD_DIR serves is validated against that
version's openAPIV3Schema, with unknown fields refused (as `kubectl apply
--validate=strict` and the API server's field validation refuse them), except where the
schema keeps unknown fields (`x-kubernetes-preserve-unknown-fields`). A document of an
API group a CRD in CRD_DIR belongs to, but of a kind or version none serves, is an
error; `v1` ServiceAccounts get a shape check. Prints one line per document and exits
1 if any failed.
"""

import glob
import sys

import jsonschema
import yaml


def close(schema):
    if isinstance(schema, dict):
        if (
            schema.get("type") == "object"
            and "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        for v in schema.values():
            close(v)
    elif isinstance(schema, list):
        for v in schema:
            close(v)
    return schema


def load(crd_dir):
    schemas, groups = {}, set()
    for path in sorted(glob.glob(crd_dir + "/*.yaml")):
        with open(path) as f:
            crd = yaml.safe_load(f)
        group = crd["spec"]["group"]
        kind = crd["spec"]["names"]["kind"]
        groups.add(group)
        for v in crd["spec"]["versions"]:
            if v.get("served", True):
                schema = close(v["schema"]["openAPIV3Schema"])
                schemas[(group + "/" + v["name"], kind)] = schema
    return schemas, groups


SERVICE_ACCOUNT = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "v1"},
        "kind": {"const": "ServiceAccount"},
        "metadata": {
            "type": "object",
            "required": ["name", "namespace"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                "namespace": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
    },
}


def main():
    crd_dir, paths = sys.argv[1], sys.argv[2:]
    schemas, groups = load(crd_dir)
    failed = 0
    for path in paths:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        if not docs:
            print(f"FAIL {path}: no documents")
            failed += 1
        for doc in docs:
            api, kind = doc.get("apiVersion", ""), doc.get("kind", "")
            name = (doc.get("metadata") or {}).get("name", "?")
            label = f"{path}: {kind} {name}"
            if (api, kind) == ("v1", "ServiceAccount"):
                schema = SERVICE_ACCOUNT
            elif (api, kind) in schemas:
                schema = schemas[(api, kind)]
            else:
                group = api.split("/")[0]
                why = "no CRD serves it" if group in groups else "not an operator resource"
                print(f"FAIL {label}: {api} {why}")
                failed += 1
                continue
            errors = sorted(
                jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path)
            )
            if errors:
                failed += 1
                for e in errors:
                    print(f"FAIL {label}: {'/'.join(map(str, e.path))}: {e.message}")
            else:
                print(f"ok {label}")
    sys.exit(1 if failed else 0)


main()
