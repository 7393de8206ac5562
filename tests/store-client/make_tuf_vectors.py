#!/usr/bin/env python3
"""Writes data/tuf_vectors.json: TUF keys and signatures made by OpenSSL through Debian's
python3-cryptography, so that test_keys checks libmstore against an independent implementation
(as securesystemslib signs: ECDSA DER over SHA-256, RSA-PSS with MGF1-SHA256, ed25519).

Run once by hand (python3 tests/store-client/make_tuf_vectors.py); the tests read the result and
need nothing but the JSON file."""
import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa


def canonical(value):
    """Canonical JSON (OLPC) for the str/int/dict/list values used here."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(canonical(k) + ":" + canonical(value[k]) for k in sorted(value)) + "}"
    raise TypeError(value)


def keyid(key):
    return hashlib.sha256(canonical(key).encode()).hexdigest()


def pem(public_key):
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()


message = canonical({"_type": "timestamp", "expires": "2030-01-01T00:00:00Z",
                     "meta": {"snapshot.json": {"version": 7}}, "spec_version": "1.0.31",
                     "version": 3, "x-note": "caf\u00e9 \"quoted\" \\ back"})
data = message.encode()
vectors = {"message": message, "keys": []}

ec_key = ec.generate_private_key(ec.SECP256R1())
k = {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": pem(ec_key.public_key())}}
vectors["keys"].append({"key": k, "keyid": keyid(k),
                        "sigs": [ec_key.sign(data, ec.ECDSA(hashes.SHA256())).hex()]})

rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
k = {"keytype": "rsa", "scheme": "rsassa-pss-sha256", "keyval": {"public": pem(rsa_key.public_key())}}
sigs = []
for salt in (padding.PSS.DIGEST_LENGTH, padding.PSS.MAX_LENGTH):
    sigs.append(rsa_key.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt),
                             hashes.SHA256()).hex())
vectors["keys"].append({"key": k, "keyid": keyid(k), "sigs": sigs})

k = {"keytype": "rsa", "scheme": "rsa-pkcs1v15-sha256", "keyval": {"public": pem(rsa_key.public_key())}}
vectors["keys"].append({"key": k, "keyid": keyid(k),
                        "sigs": [rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256()).hex()]})

ed_key = ed25519.Ed25519PrivateKey.generate()
raw = ed_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
k = {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": raw.hex()}}
vectors["keys"].append({"key": k, "keyid": keyid(k), "sigs": [ed_key.sign(data).hex()]})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "tuf_vectors.json")
with open(out, "w") as f:
    json.dump(vectors, f, indent=1, sort_keys=True)
    f.write("\n")
print(out)
