"""Users of a tenant: invitations, roles, local scopes, revocation."""
