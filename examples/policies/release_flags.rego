# Seed 000 §37's example policy, as written there, in Rego v1 syntax
# (`deny contains msg if` where the seed's Rego v0 wrote `deny[msg]`).
package release.flags

deny contains msg if {
	input.kind == "FeatureFlag"
	not input.spec.owner
	msg := sprintf("feature flag %s has no owner", [input.metadata.name])
}

deny contains msg if {
	input.kind == "FeatureFlag"
	not input.spec.expiresAt
	msg := sprintf("feature flag %s has no expiry", [input.metadata.name])
}
