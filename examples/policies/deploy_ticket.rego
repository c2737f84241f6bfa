# Production deploys name the change ticket they belong to (a warning, never a block).
package release.deploy_ticket

warn contains {
	"msg": "this production deploy names no change ticket",
	"path": "/spec/ticket",
	"fix": "pass the ticket with the deploy (record-deployment --ticket)",
} if {
	input.kind == "Deployment"
	input.registry.environment.production
	not input.spec.ticket
}
