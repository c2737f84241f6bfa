# Every service a release plan touches is known to the registry and owned by a team.
# Reads the registry snapshot unlockstep adds to every input (docs/policies.md).
package release.plan_owners

deny contains {"msg": msg, "path": path, "fix": "register the service with an owner team"} if {
	input.kind == "ReleasePlan"
	some name, _ in input.spec.services
	count(input.registry.services) > 0
	not input.registry.services[name].owner
	msg := sprintf("plan touches %s, which the registry knows no owner for", [name])
	path := sprintf("/spec/services/%s", [name])
}
