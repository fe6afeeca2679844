"""The dashboard: the WebSocket API (a `$connect` authorizer checking a 60-second ticket,
`$disconnect`, `subscribe`/`ping`/`$default` answered through `@connections`), connections in
DynamoDB, the broadcaster (invoked asynchronously by the live-aggregates consumer with the
keys it changed), the HTTP API for what is not live
(a Lambda authorizer checking the session token; CORS for the web app's origins), the token
signing key in Secrets Manager, and the web app's bucket behind CloudFront."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.stacks.api_limits import limit, throttle, throttle_http_api
from infra.stacks.environment import names_of, settings_of
from infra.stacks.ml import access_logged
from infra.stacks.secure import SecureBucket, SecureTable
from infra.stacks.workflows import task_function

WS_STAGE = "live"


class Dashboard(Construct):
    """APIs, functions, tables and web hosting of the dashboard."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        lambda_asset: Path,
        ml_asset: Path,
        aggregates: dynamodb.Table,
        access_logs: s3.IBucket,
        api_environment: dict[str, str],
        retain: bool,
    ) -> None:
        super().__init__(scope, cid)
        n = names_of(self)
        aggregates.add_global_secondary_index(
            index_name="ranked-by-tickets",
            partition_key=dynamodb.Attribute(name="ranked", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="tickets", type=dynamodb.AttributeType.NUMBER),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        self.signing_key = secretsmanager.Secret(
            self,
            "SigningKey",
            secret_name=n.dashboard_signing_secret,
            description="Signs the dashboard's session tokens and WebSocket tickets (HMAC-SHA256)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
        )
        # Who may mint dashboard links: reading the key is what minting takes (infra/environments.toml).
        for minter in settings_of(self).dashboard_link_minters:
            self.signing_key.grant_read(iam.ArnPrincipal(minter))
        self.connections = SecureTable(
            self,
            "Connections",
            table_name=n.dashboard_connections_table,
            keys=("connection_id",),
            ttl_attribute="expires_at",
            retain=retain,
        )
        self.web_bucket = SecureBucket(self, "WebBucket", retain=False, access_logs=access_logs)
        self.distribution = cloudfront.Distribution(
            self,
            "Web",
            comment="Concert Data Platform dashboard",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.web_bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
            ),
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            error_responses=[  # the app routes in the browser: unknown paths get the app
                cloudfront.ErrorResponse(
                    http_status=403, response_http_status=200, response_page_path="/index.html"
                )
            ],
        )
        web_origin = f"https://{self.distribution.distribution_domain_name}"
        extra = str(self.node.try_get_context("dashboard_origins") or "")
        self.origins = [web_origin, *(o for o in extra.split(",") if o)]

        base = {
            "POWERTOOLS_SERVICE_NAME": "dashboard",
            "SIGNING_SECRET_ARN": self.signing_key.secret_arn,
            "CONNECTIONS_TABLE": self.connections.table_name,
            "AGGREGATES_TABLE": aggregates.table_name,
        }

        def fn(module: str, handler: str, env: dict[str, str], *, asset: Path = lambda_asset,
               memory: int = 512, timeout: int = 29) -> lambda_.Function:  # fmt: skip
            step = handler if handler != "handler" else module
            return task_function(
                self,
                package="dashboard",
                module=f"{module}_{handler}" if handler != "handler" else module,
                handler=f"functions.dashboard.{module}.{handler}",
                name=f"{n.dashboard_function_prefix}{step.replace('_', '-')}",
                asset=asset,
                timeout=Duration.seconds(timeout),
                memory_mb=memory,
                environment=env,
            )

        self.ws_authorizer = fn("auth", "ws_authorizer", base, memory=256)
        self.http_authorizer = fn("auth", "http_authorizer", base, memory=256)
        for f in (self.ws_authorizer, self.http_authorizer):
            self.signing_key.grant_read(f)
        self.connect = fn("ws", "connect", base, memory=256)
        self.disconnect = fn("ws", "disconnect", base, memory=256)
        self.message = fn("ws", "message", base)
        self.connections.grant(self.connect, "dynamodb:PutItem")
        self.connections.grant(self.disconnect, "dynamodb:DeleteItem")
        self.connections.grant(self.message, "dynamodb:UpdateItem")
        self.connections.grant(self.ws_authorizer, "dynamodb:PutItem")  # spends tickets (TICKET#<jti>)
        read_live = iam.PolicyStatement(
            actions=["dynamodb:GetItem", "dynamodb:Query"],
            resources=[aggregates.table_arn, f"{aggregates.table_arn}/index/ranked-by-tickets"],
        )
        self.message.add_to_role_policy(read_live)

        self.ws_api = apigw.WebSocketApi(
            self,
            "WebSocketApi",
            api_name=n.dashboard_ws_api,
            description="Dashboard: live aggregates pushed to subscribed browsers",
            connect_route_options=apigw.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration("ConnectIntegration", self.connect),
                authorizer=authorizers.WebSocketLambdaAuthorizer(
                    "Ticket", self.ws_authorizer, identity_source=["route.request.querystring.ticket"]
                ),
            ),
            disconnect_route_options=apigw.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration("DisconnectIntegration", self.disconnect)
            ),
            default_route_options=apigw.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration("MessageIntegration", self.message)
            ),
        )
        for action in ("subscribe", "ping"):
            self.ws_api.add_route(
                action,
                integration=integrations.WebSocketLambdaIntegration(
                    f"{action.title()}Integration", self.message
                ),
            )
        self.ws_stage = apigw.WebSocketStage(
            self, "WebSocketStage", web_socket_api=self.ws_api, stage_name=WS_STAGE, auto_deploy=True
        )
        ws_logs = logs.LogGroup(
            self, "WebSocketAccessLog", retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )  # fmt: skip
        cfn_stage = self.ws_stage.node.default_child
        assert isinstance(cfn_stage, apigw.CfnStage)
        throttle(cfn_stage, limit(self, "websocket_api"), {"$connect": limit(self, "websocket_connect")})
        cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=ws_logs.log_group_arn,
            format=json.dumps(
                {
                    "requestId": "$context.requestId",
                    "connectionId": "$context.connectionId",
                    "route": "$context.routeKey",
                    "event": "$context.eventType",
                    "status": "$context.status",
                    "authorizerError": "$context.authorizer.error",
                }
            ),
        )

        self.broadcast = fn(
            "broadcast",
            "handler",
            base | {"CONNECTIONS_URL": self.ws_stage.callback_url},
            memory=512,
            timeout=60,
        )
        self.connections.grant(self.broadcast, "dynamodb:Scan", "dynamodb:DeleteItem")
        self.ws_api.grant_manage_connections(self.broadcast)
        self.ws_api.grant_manage_connections(self.message)  # it answers its caller through @connections
        self.broadcast.add_to_role_policy(
            iam.PolicyStatement(actions=["dynamodb:BatchGetItem"], resources=[aggregates.table_arn])
        )
        # Invoked asynchronously by the live-aggregates consumer: a live frame is news for
        # seconds, so it is not retried and not kept (the next one, or a reconnect, catches up).
        self.broadcast.configure_async_invoke(retry_attempts=0, max_event_age=Duration.minutes(1))

        self.api_function = fn(
            "api",
            "handler",
            base | api_environment | {"OMP_NUM_THREADS": "1"},
            asset=ml_asset,
            memory=2048,
        )
        self.signing_key.grant_read(self.api_function)
        self.api_function.add_to_role_policy(read_live)
        self.api = apigw.HttpApi(
            self,
            "HttpApi",
            api_name=n.dashboard_api,
            description="Dashboard: analytics, models, workflows, chat, health, WebSocket tickets",
            default_authorizer=authorizers.HttpLambdaAuthorizer(
                "SessionToken",
                self.http_authorizer,
                response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
                identity_source=["$request.header.Authorization"],
                results_cache_ttl=Duration.minutes(5),
            ),
            default_integration=integrations.HttpLambdaIntegration("Dashboard", self.api_function),
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=self.origins,
                allow_headers=["Authorization", "Content-Type"],
                allow_methods=[
                    apigw.CorsHttpMethod.GET,
                    apigw.CorsHttpMethod.POST,
                    apigw.CorsHttpMethod.OPTIONS,
                ],
                max_age=Duration.hours(1),
            ),
        )
        access_logged(self, self.api, "HttpApiAccessLog")
        throttle_http_api(self, self.api, "dashboard_api")
        self.functions = [
            self.ws_authorizer, self.http_authorizer, self.connect, self.disconnect, self.message,
            self.broadcast, self.api_function,
        ]  # fmt: skip
