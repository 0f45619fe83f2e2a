"""
Interop: Debian's python3-fido2 (a FIDO client and relying party nobody here wrote) against a virtual key over
UDP CTAPHID (docs/protocol.md §9). Prints one JSON line per check; exits non-zero on the first failure.
Usage: python3 python_fido2_client.py HOST PORT
"""
import json
import os
import socket
import sys
import time

from fido2.attestation import PackedAttestation
from fido2.client import Fido2Client, ClientError
from fido2.ctap import CtapError
from fido2.ctap1 import ApduError, Ctap1
from fido2.ctap2 import Ctap2
from fido2.ctap2.pin import ClientPin, PinProtocolV1, PinProtocolV2
from fido2.ctap2.credman import CredentialManagement
from fido2.hid import CtapHidDevice
from fido2.hid.base import CtapHidConnection, HidDescriptor
from fido2.server import Fido2Server
from fido2.webauthn import PublicKeyCredentialRpEntity
from fido2.utils import sha256

HOST, PORT = sys.argv[1], int(sys.argv[2])
PIN = "4821-virtual"
ORIGIN = "https://login.example.com"
RP = PublicKeyCredentialRpEntity("example.com", "Example SSO")


class UdpConnection(CtapHidConnection):
    """One 64-byte report per datagram, as the simulator carries CTAPHID."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(10)
        self.sock.connect((HOST, PORT))

    def write_packet(self, data):
        self.sock.send(data)

    def read_packet(self):
        return self.sock.recv(64)

    def close(self):
        self.sock.close()


def report(check, **details):
    print(json.dumps({"check": check, "ok": True, **details}), flush=True)


def device():
    return CtapHidDevice(HidDescriptor("udp", 0x1209, 0x4b48, 64, 64), UdpConnection())


dev = device()
ctap2 = Ctap2(dev)
info = ctap2.info
assert "FIDO_2_1" in info.versions and "U2F_V2" in info.versions, info.versions
assert info.options.get("rk") is True
report("getInfo", versions=info.versions, aaguid=info.aaguid.hex(), extensions=info.extensions)

server = Fido2Server(RP, attestation="direct")
client = Fido2Client(dev, ORIGIN)

# Second factor: a non-discoverable credential, packed attestation verified by python-fido2.
user = {"id": b"user-0001", "name": "alice@example.com", "displayName": "Alice"}
options, state = server.register_begin(user, user_verification="discouraged", authenticator_attachment="cross-platform")
result = client.make_credential(options["publicKey"])
att = result.attestation_object
assert att.fmt == "packed", att.fmt
PackedAttestation().verify(att.att_statement, att.auth_data, result.client_data.hash)
auth_data = server.register_complete(state, result.client_data, att)
credential = auth_data.credential_data
report("register second factor", fmt=att.fmt, certificates=len(att.att_statement["x5c"]), counter=auth_data.counter)

options, state = server.authenticate_begin([credential], user_verification="discouraged")
assertion = client.get_assertion(options["publicKey"]).get_response(0)
server.authenticate_complete(state, [credential], assertion.credential_id, assertion.client_data, assertion.authenticator_data, assertion.signature)
report("login second factor", counter=assertion.authenticator_data.counter)

# The PIN, with both PIN/UV auth protocols.
pin_v2 = ClientPin(ctap2, PinProtocolV2())
pin_v2.set_pin(PIN)
assert pin_v2.get_pin_retries()[0] == 8
try:
    pin_v2.get_pin_token("0000-wrong", ClientPin.PERMISSION.GET_ASSERTION)
    raise AssertionError("a wrong PIN was accepted")
except CtapError as error:
    assert error.code == CtapError.ERR.PIN_INVALID, error.code
assert pin_v2.get_pin_retries()[0] == 7
token_v1 = ClientPin(ctap2, PinProtocolV1()).get_pin_token(PIN, ClientPin.PERMISSION.MAKE_CREDENTIAL)
assert len(token_v1) in (16, 32)
assert pin_v2.get_pin_retries()[0] == 8
report("client pin", protocols=[1, 2])

# Passwordless: a discoverable credential behind the PIN, then a login without naming the credential.
client = Fido2Client(device(), ORIGIN)
options, state = server.register_begin(
    {"id": b"user-0002", "name": "bob@example.com", "displayName": "Bob"},
    resident_key=True,
    user_verification="required",
    authenticator_attachment="cross-platform",
)
result = client.make_credential(options["publicKey"], pin=PIN)
auth_data = server.register_complete(state, result.client_data, result.attestation_object)
assert auth_data.is_user_verified()
passwordless = auth_data.credential_data
options, state = server.authenticate_begin(user_verification="required")
selection = client.get_assertion(options["publicKey"], pin=PIN)
response = selection.get_response(0)
assert response.user_handle == b"user-0002", response.user_handle
server.authenticate_complete(state, [passwordless], response.credential_id, response.client_data, response.authenticator_data, response.signature)
report("passwordless", user_verified=response.authenticator_data.is_user_verified())

# Credential management sees the discoverable credential and deletes it.
pin = ClientPin(ctap2, PinProtocolV2())
token = pin.get_pin_token(PIN, ClientPin.PERMISSION.CREDENTIAL_MGMT)
credman = CredentialManagement(ctap2, pin.protocol, token)
metadata = credman.get_metadata()
assert metadata[CredentialManagement.RESULT.EXISTING_CRED_COUNT] == 1, metadata
rps = credman.enumerate_rps()
assert rps[0][CredentialManagement.RESULT.RP]["id"] == "example.com"
creds = credman.enumerate_creds(sha256(b"example.com"))
assert creds[0][CredentialManagement.RESULT.USER]["name"] == "bob@example.com"
credman.delete_cred(creds[0][CredentialManagement.RESULT.CREDENTIAL_ID])
assert credman.get_metadata()[CredentialManagement.RESULT.EXISTING_CRED_COUNT] == 0
report("credential management", rps=len(rps))

# U2F (CTAP1) over MSG: register, check-only, authenticate; the key asks for a touch first (0x6985), hosts poll.
ctap1 = Ctap1(dev)
assert ctap1.get_version() == "U2F_V2"
app_param = sha256(b"https://u2f.example.com")
client_param = sha256(b"u2f challenge")


def polling(call):
    for _ in range(40):
        try:
            return call()
        except ApduError as error:
            if error.code != 0x6985:
                raise
            time.sleep(0.05)
    raise AssertionError("the key never saw a touch")


registration = polling(lambda: ctap1.register(client_param, app_param))
registration.verify(app_param, client_param)
try:
    ctap1.authenticate(client_param, app_param, registration.key_handle, check_only=True)
    raise AssertionError("check-only signed")
except ApduError as error:
    assert error.code == 0x6985
signature = polling(lambda: ctap1.authenticate(client_param, app_param, registration.key_handle))
signature.verify(app_param, client_param, registration.public_key)
try:
    ctap1.authenticate(client_param, sha256(b"https://other.example"), registration.key_handle, check_only=True)
    raise AssertionError("a key handle worked for another application")
except ApduError as error:
    assert error.code == 0x6A80
report("u2f", counter=signature.counter)
print(json.dumps({"done": True}), flush=True)
