package release.deploy_ticket_test

import data.release.deploy_ticket

test_production_deploy_without_ticket_warns if {
	count(deploy_ticket.warn) == 1 with input as {"kind": "Deployment", "spec": {}, "registry": {"environment": {"production": true}}}
}

test_staging_deploy_is_quiet if {
	count(deploy_ticket.warn) == 0 with input as {"kind": "Deployment", "spec": {}, "registry": {"environment": {"production": false}}}
}
