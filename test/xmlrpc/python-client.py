"""OpenNebula calls through Python's own xmlrpc.client, as pyone makes them.

Run by python-client.test.ts: the endpoint is argv[1], oneadmin's session string
comes in the environment (ONE_SESSION), never on the command line. Prints one
JSON object of what each call answered.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET
import xmlrpc.client

url = sys.argv[1]
admin = os.environ["ONE_SESSION"]
one = xmlrpc.client.ServerProxy(url)
out = {}

out["version"] = one.one.system.version(admin)
ok, vm, code = one.one.vm.allocate(admin, 'NAME = "py"\nCPU = 0.1\nMEMORY = 64\n', True)
out["allocate"] = [ok, code]
out["release"] = one.one.vm.action(admin, "release", vm)
out["hold"] = one.one.vm.action(admin, "hold", vm)
out["wrong_password"] = one.one.vm.action("oneadmin:wrong", "release", vm)
out["no_such_vm"] = one.one.vm.action(admin, "release", 9999)
out["bad_action"] = one.one.vm.action(admin, "explode", vm)
out["unsupported"] = one.one.vm.update(admin, vm, "A = 1", 2)  # an update type Nephele cannot honour
out["bad_template"] = one.one.vm.allocate(admin, "CPU = [", False)
ok, alice, _ = one.one.user.allocate(admin, "alice", "alice-pw", "core", [])
ok, bob, _ = one.one.user.allocate(admin, "bob", "bob-pw", "", [])
out["not_admin"] = one.one.host.allocate("bob:bob-pw", "h", "kvm", "kvm", -1)
ok, alices_vm, _ = one.one.vm.allocate("alice:alice-pw", 'NAME = "a"\nCPU = 0.1\nMEMORY = 64\n', True)
out["bob_on_alices_vm"] = one.one.vm.action("bob:bob-pw", "release", alices_vm)
out["alice_on_hers"] = one.one.vm.action("alice:alice-pw", "release", alices_vm)
ok, token, _ = one.one.user.login("alice:alice-pw", "alice", "", 60, -1)
out["token_call"] = one.one.system.version("alice:" + token)
out["unicode"] = one.one.vm.rename(admin, vm, "vm-ünïcødé-✓")


def doc(reply):
    """A document reply as pyone reads it: parsed, or the error triple."""
    ok, body, code = reply
    return ET.fromstring(body) if ok else [ok, body, code]


vm_doc = doc(one.one.vm.info(admin, vm, False))
out["vm_info"] = [vm_doc.tag, vm_doc.findtext("ID"), vm_doc.findtext("NAME"), vm_doc.findtext("STATE")]
pool = doc(one.one.vmpool.info(admin, -2, -1, -1, -1))
out["vmpool_ids"] = sorted(int(v.findtext("ID")) for v in pool.findall("VM"))
alice_pool = doc(one.one.vmpool.info("alice:alice-pw", -2, -1, -1, -1))
out["alice_pool_ids"] = [int(v.findtext("ID")) for v in alice_pool.findall("VM")]
out["ids"] = [vm, alices_vm]
out["alice_on_admins_vm"] = one.one.vm.info("alice:alice-pw", vm, False)
user = doc(one.one.user.info("alice:alice-pw", -1, False))
out["alice_self"] = [user.tag, user.findtext("NAME")]
try:
    getattr(one, "system.listMethods")()
    out["fault"] = None
except xmlrpc.client.Fault as f:
    out["fault"] = [f.faultCode, f.faultString]
except Exception as e:
    out["fault"] = [0, repr(e)]
print(json.dumps(out))
