"""A Gluu Server cluster on DigitalOcean droplets, with the SDK `pulumi package add ../../provider` generates.

Keyword arguments are the schema's properties in snake_case (test/examples.spec.ts checks them against the schema
the provider serves).
"""
import pulumi
import pulumi_gluu as gluu

config = pulumi.Config()

cluster = gluu.GluuCluster(
    "gluu",
    hostname=config.require("hostname"),
    version=config.get("version") or "4.5",
    org_name="Example Inc.",
    city="Austin",
    state="TX",
    country_code="US",
    admin_email="admin@example.org",
    node_count=config.get_int("nodeCount") or 3,
    region=config.get("region") or "fra1",
    droplet_image=config.get("dropletImage") or "ubuntu-22-04-x64",
    admin_cidrs=config.require_object("adminCidrs"),
    repo_user=config.require("repoUser"),
    repo_password=config.require_secret("repoPassword"),
    redis_persistence="rdb",
    csync2_interval_minutes=2,
)

pulumi.export("adminUrl", cluster.admin_url)
pulumi.export("url", cluster.url)
pulumi.export("lbAddress", cluster.lb_address)
pulumi.export("nodeAddresses", cluster.node_addresses)
pulumi.export("replicationStatus", cluster.replication_status)
pulumi.export("cacheHealth", cluster.cache_health)
pulumi.export("lbHealth", cluster.lb_health)
pulumi.export("adminPassword", cluster.admin_password)
