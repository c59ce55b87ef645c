-- The Microsoft Teams tables of a jambonz database (not in the minimal
-- scripts/db-schema.sql), for the cases 241 and 242
CREATE TABLE service_providers (service_provider_sid CHAR(36) NOT NULL,
	name VARCHAR(64) NOT NULL, ms_teams_fqdn VARCHAR(255),
	PRIMARY KEY (service_provider_sid));
CREATE TABLE ms_teams_tenants (ms_teams_tenant_sid CHAR(36) NOT NULL,
	service_provider_sid CHAR(36) NOT NULL, account_sid CHAR(36) NOT NULL,
	application_sid CHAR(36), tenant_fqdn VARCHAR(255) NOT NULL,
	PRIMARY KEY (ms_teams_tenant_sid));
