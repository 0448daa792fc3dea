"""What can be validated here of the deployable stack (no Docker engine, no Kubernetes cluster on this
machine): the compose file against the Compose specification's JSON schema (check-jsonschema's vendored
copy), the Kubernetes manifests against Kubernetes 1.37's schemas (kubernetes-validate, strict), the
Prometheus configurations with promtool, and the properties production needs, read from the files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from acikkapi_shared.ports import SERVICE_PORTS
from acikkapi_shared.testing import repo_root
from acikkapi_shared.testing.prometheus import promtool

DEPLOY = repo_root() / "deploy"
K8S = sorted((DEPLOY / "k8s").glob("*.yaml"))
BIN = Path(sys.executable).parent


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]


def resources(kind: str) -> list[dict[str, Any]]:
    return [d for path in K8S for d in documents(path) if d["kind"] == kind]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)


def test_the_compose_file_follows_the_compose_specification() -> None:
    done = run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
               str(DEPLOY / "compose" / "compose.yaml"))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_compose_stack_has_every_part_and_builds_each_service_from_its_dockerfile() -> None:
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    assert set(services) == {*SERVICE_PORTS, "kafka", "postgres", "prometheus", "grafana", "sms-gateway"}
    for name in SERVICE_PORTS:
        dockerfile = repo_root() / services[name]["build"]["dockerfile"]
        assert dockerfile.exists(), dockerfile
        assert f'CMD ["python", "-m", "{name.replace("-", "_")}"]' in dockerfile.read_text()
        url = services[name]["environment"][f"ACIKKAPI_{name.upper().replace('-', '_')}_DATABASE_URL"]
        assert url.endswith(f"/{name.replace('-', '_')}")  # one database per service
    assert "KAFKA_PROCESS_ROLES" in services["kafka"]["environment"]  # KRaft, no ZooKeeper
    grafana_mounts = " ".join(services["grafana"]["volumes"])
    assert "../grafana/provisioning:" in grafana_mounts and "../grafana/dashboards:" in grafana_mounts
    done = promtool("check", "config", "--syntax-only", str(DEPLOY / "compose" / "prometheus.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_kubernetes_manifests_follow_the_kubernetes_schemas() -> None:
    done = run(str(BIN / "kubernetes-validate"), "--strict", "--quiet", *map(str, K8S))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_wrong_manifest_is_refused(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: two}\n")
    assert run(str(BIN / "kubernetes-validate"), "--strict", "--quiet", str(wrong)).returncode != 0


def test_kafka_is_replicated_three_times_with_two_in_sync() -> None:
    # Strimzi's custom resources have no schema in kubernetes-validate: their fields are checked here.
    (kafka,) = resources("Kafka")
    (pool,) = resources("KafkaNodePool")
    config = kafka["spec"]["kafka"]["config"]
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"controller", "broker"}
    assert config["default.replication.factor"] == 3 and config["min.insync.replicas"] == 2
    assert config["offsets.topic.replication.factor"] == 3
    assert config["transaction.state.log.min.isr"] == 2
    (settings,) = [c for c in resources("ConfigMap") if c["metadata"]["name"] == "acikkapi"]
    assert settings["data"]["ACIKKAPI_TOPIC_REPLICATION_FACTOR"] == "3"  # topics the services create


def test_every_service_deployment_has_probes_resources_and_its_own_database() -> None:
    deployments = {d["metadata"]["name"]: d for d in resources("Deployment")}
    databases = {s["metadata"]["name"] for s in resources("StatefulSet")}
    for name, port in SERVICE_PORTS.items():
        spec = deployments[name]["spec"]["template"]
        (container,) = spec["spec"]["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]
        assert spec["metadata"]["annotations"]["prometheus.io/port"] == str(port)
        assert f"postgres-{name}" in databases


def test_the_clusters_prometheus_has_the_projects_rules_and_a_valid_configuration(tmp_path: Path) -> None:
    maps = {c["metadata"]["name"]: c["data"] for c in resources("ConfigMap")}
    rules = DEPLOY / "prometheus" / "rules" / "acikkapi.yml"
    assert maps["prometheus-rules"]["acikkapi.yml"] == rules.read_text("utf-8")
    document = yaml.safe_load(maps["prometheus-config"]["prometheus.yml"])
    (job,) = document["scrape_configs"]
    assert job["job_name"] == "acikkapi"  # the alert AcikKapiServiceDown reads up{job="acikkapi"}
    assert job["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["acikkapi"]}}]
    # Debian's promtool is built without Kubernetes discovery: the rest of the job (its relabelling
    # above all) is checked with the discovery replaced by a static target.
    del job["kubernetes_sd_configs"]
    job["static_configs"] = [{"targets": ["pod:8001"]}]
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(document))
    done = promtool("check", "config", "--syntax-only", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
