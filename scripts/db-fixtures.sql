-- Test rows for the jambonz tables of scripts/db-schema.sql. Webhook URLs
-- point at http://127.0.0.1:3100 (a local webhook server); tests rewrite
-- that base with
--   UPDATE webhooks SET url = REPLACE(url, 'http://127.0.0.1:3100', ...)
--
-- Account A (active, secret "acct-secret") owns everything; account B is
-- inactive. Numbers are stored without a leading '+'.
--
--   15557770001  -> app1 (webhook /app1, status /status1, env_vars)
--   15557770002  -> app2 (app_json: sip:decline 486 "App Json")
--   15557770004  -> app4 (neither call hook nor app_json)
--   15557770005  -> no application; carrier C1 -> its default app5
--   15557770006  -> app3 via carrier C3 only (header narrows the match)
--   1666...      -> call_routes priority 1 -> app6 (webhook /route)
--   1777 digits  -> call_routes priority 3 -> app7 (app_json "Route Seven")
--   X-Application-Sid app3 -> app_json "App Three"

SET @sp  = '2708b1b3-2736-40ea-b502-c53d8396247f';
SET @a   = '11111111-aaaa-4aaa-8aaa-000000000001';
SET @b   = '11111111-aaaa-4aaa-8aaa-000000000002';
SET @app1 = '22222222-bbbb-4bbb-8bbb-000000000001';
SET @app2 = '22222222-bbbb-4bbb-8bbb-000000000002';
SET @app3 = '22222222-bbbb-4bbb-8bbb-000000000003';
SET @app4 = '22222222-bbbb-4bbb-8bbb-000000000004';
SET @app5 = '22222222-bbbb-4bbb-8bbb-000000000005';
SET @app6 = '22222222-bbbb-4bbb-8bbb-000000000006';
SET @app7 = '22222222-bbbb-4bbb-8bbb-000000000007';
SET @c1  = '33333333-cccc-4ccc-8ccc-000000000001';
SET @c2  = '33333333-cccc-4ccc-8ccc-000000000002';
SET @c3  = '33333333-cccc-4ccc-8ccc-000000000003';
SET @w1  = '44444444-dddd-4ddd-8ddd-000000000001';
SET @w2  = '44444444-dddd-4ddd-8ddd-000000000002';
SET @w5  = '44444444-dddd-4ddd-8ddd-000000000005';
SET @w6  = '44444444-dddd-4ddd-8ddd-000000000006';

INSERT INTO accounts (account_sid, name, service_provider_sid, is_active,
		      webhook_secret) VALUES
	(@a, 'account A', @sp, 1, 'acct-secret'),
	(@b, 'account B', @sp, 0, 'other-secret');

INSERT INTO webhooks (webhook_sid, url, method, username, password) VALUES
	(@w1, 'http://127.0.0.1:3100/app1', 'POST', NULL, NULL),
	(@w2, 'http://127.0.0.1:3100/status1', 'POST', NULL, NULL),
	(@w5, 'http://127.0.0.1:3100/carrier', 'GET', 'user5', 'pass5'),
	(@w6, 'http://127.0.0.1:3100/route', 'POST', NULL, NULL);

INSERT INTO applications (application_sid, name, account_sid, call_hook_sid,
			  call_status_hook_sid, app_json,
			  speech_synthesis_vendor, speech_synthesis_language,
			  speech_synthesis_voice, speech_recognizer_vendor,
			  speech_recognizer_language, env_vars) VALUES
	(@app1, 'app1', @a, @w1, @w2, NULL, 'flite', 'en-US', 'kal',
	 'google', 'en-US', '{"greeting": "hello"}'),
	(@app2, 'app2', @a, NULL, @w2,
	 '[{"verb":"sip:decline","status":486,"reason":"App Json"}]',
	 'google', 'en-US', NULL, 'google', 'en-US', NULL),
	(@app3, 'app3', @a, NULL, NULL,
	 '[{"verb":"sip:decline","status":486,"reason":"App Three"}]',
	 'google', 'en-US', NULL, 'google', 'en-US', NULL),
	(@app4, 'app4', @a, NULL, NULL, NULL, 'google', 'en-US', NULL,
	 'google', 'en-US', NULL),
	(@app5, 'app5', @a, @w5, NULL, NULL, 'google', 'en-US', NULL,
	 'google', 'en-US', NULL),
	(@app6, 'app6', @a, @w6, NULL, NULL, 'google', 'en-US', NULL,
	 'google', 'en-US', NULL),
	(@app7, 'app7', @a, NULL, NULL,
	 '[{"verb":"sip:decline","status":486,"reason":"Route Seven"}]',
	 'google', 'en-US', NULL, 'google', 'en-US', NULL);

INSERT INTO voip_carriers (voip_carrier_sid, name, account_sid,
			   service_provider_sid, application_sid, is_active)
	VALUES
	(@c1, 'carrier one', @a, @sp, @app5, 1),
	(@c2, 'carrier two (inactive)', @a, @sp, @app5, 0),
	(@c3, 'carrier three', @a, @sp, NULL, 1);

INSERT INTO phone_numbers (phone_number_sid, number, voip_carrier_sid,
			   account_sid, application_sid) VALUES
	('55555555-eeee-4eee-8eee-000000000001', '15557770001', @c1, @a, @app1),
	('55555555-eeee-4eee-8eee-000000000002', '15557770002', @c1, @a, @app2),
	('55555555-eeee-4eee-8eee-000000000004', '15557770004', @c1, @a, @app4),
	('55555555-eeee-4eee-8eee-000000000005', '15557770005', @c1, @a, NULL),
	('55555555-eeee-4eee-8eee-000000000006', '15557770006', @c3, @a, @app3);

INSERT INTO call_routes (call_route_sid, priority, account_sid, regex,
			 application_sid) VALUES
	('66666666-ffff-4fff-8fff-000000000001', 1, @a, '^1666', @app6),
	('66666666-ffff-4fff-8fff-000000000002', 2, @a, '^16665', @app3),
	('66666666-ffff-4fff-8fff-000000000003', 3, @a, '^1777[0-9]+$', @app7),
	('66666666-ffff-4fff-8fff-000000000004', 0, @a, '([unclosed', @app3);
