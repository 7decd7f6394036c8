"""Checks the Kubernetes manifests beyond their schemas (kubernetes-validate does those): the files
kustomization.yaml lists exist, and the objects agree with each other and with the service —
selectors match the pod labels, probes hit /health and /ready on the container port, the Service
targets that port, the HPA and PDB point at the Deployment, resources are the seed's, the Ingress
serves TLS for its hosts. And the monitoring: the prometheus-adapter rule names the HPA's custom
metric and reads a metric the service exports, every metric the recording and alert rules read
exists in /metrics (the names `ner serve` registers), the Kubernetes scrape job keeps the
Deployment's pods by the annotations and label they carry, and every Grafana panel queries
recording rules only."""
import json
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "deploy", "k8s")
PROMETHEUS = os.path.join(ROOT, "deploy", "prometheus")


def load(name):
    with open(os.path.join(HERE, name)) as f:
        return yaml.safe_load(f)


def exported_metrics():
    """Every series name `ner serve`'s /metrics can hold: the labels the serving core and the HTTP
    adapter register (histograms also as _bucket/_sum/_count), plus Prometheus's own `up`."""
    names = set()
    for target in ("NERServing", "NERServer"):
        folder = os.path.join(ROOT, "Sources", target)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".swift"):
                with open(os.path.join(folder, name)) as f:
                    names |= set(re.findall(r'label: "([a-z_]+)"', f.read()))
    return names | {n + suffix for n in names for suffix in ("_bucket", "_sum", "_count")} | {"up"}


def metric_names(expr):
    """Metric names an expression reads: identifiers followed by a selector or range, minus
    functions, keywords and label names."""
    expr = re.sub(r'"[^"]*"', '""', expr)                  # label values and strings
    expr = re.sub(r"\{[^}]*\}", "{}", expr)                 # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)                  # ranges [5m]
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr))
    functions = set(re.findall(r"([a-zA-Z_]+)\s*\(", expr))
    keywords = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "le"}
    return {w for w in words - functions - keywords if not re.fullmatch(r"\d+[smhdwy]?", w)}


def check_monitoring(check, objects, pod_labels):
    exported = exported_metrics()
    recording, alerts = {}, {}
    for name, into in (("bertner-recording.yml", recording), ("bertner-alerts.yml", alerts)):
        with open(os.path.join(PROMETHEUS, "rules", name)) as f:
            for group in yaml.safe_load(f)["groups"]:
                for rule in group["rules"]:
                    into[rule.get("record") or rule["alert"]] = rule["expr"]
    for name, expr in {**recording, **alerts}.items():
        for metric in metric_names(expr):
            check(metric in exported or metric in recording, f"rule {name} reads {metric}, which neither /metrics nor a recording rule has")
    # Each alert has a firing and a non-firing case in the promtool tests.
    with open(os.path.join(PROMETHEUS, "tests", "alerts_test.yml")) as f:
        cases = [case for test in yaml.safe_load(f)["tests"] for case in test.get("alert_rule_test", [])]
    for alert in alerts:
        check(any(c["alertname"] == alert and c["exp_alerts"] for c in cases), f"alert {alert} has no firing test case")
        check(any(c["alertname"] == alert and not c["exp_alerts"] for c in cases), f"alert {alert} has no non-firing test case")

    # The Kubernetes scrape job (Debian's promtool cannot parse kubernetes_sd_configs).
    with open(os.path.join(PROMETHEUS, "prometheus.yml")) as f:
        config = yaml.safe_load(f)
    for rule_file in config["rule_files"]:
        check(os.path.exists(os.path.join(PROMETHEUS, rule_file)), f"prometheus.yml names a missing rule file {rule_file}")
    job = next((j for j in config["scrape_configs"] if j["job_name"] == "bertner"), None)
    check(job is not None, "prometheus.yml has no job 'bertner' (the rules select job=\"bertner\")")
    if job:
        keeps = {tuple(r["source_labels"]): r["regex"] for r in job["relabel_configs"] if r.get("action") == "keep"}
        annotations = objects["Deployment"]["spec"]["template"]["metadata"]["annotations"]
        check(keeps.get(("__meta_kubernetes_pod_annotation_prometheus_io_scrape",)) == annotations["prometheus.io/scrape"],
              "the scrape job must keep pods by the prometheus.io/scrape annotation the Deployment sets")
        label_keeps = {k[0].removeprefix("__meta_kubernetes_pod_label_"): v for k, v in keeps.items() if k[0].startswith("__meta_kubernetes_pod_label_")}
        check(label_keeps and all(pod_labels.get(k) == v for k, v in label_keeps.items()),
              f"the scrape job keeps pods labelled {label_keeps}, the Deployment's pods carry {pod_labels}")
        targets = {r.get("target_label") for r in job["relabel_configs"]}
        check({"namespace", "pod"} <= targets, "the scrape job must set the namespace and pod labels the adapter maps")
    with open(os.path.join(PROMETHEUS, "local.yml")) as f:
        check(any(j["job_name"] == "bertner" for j in yaml.safe_load(f)["scrape_configs"]), "local.yml has no job 'bertner'")

    # HPA ↔ prometheus-adapter
    with open(os.path.join(HERE, "monitoring", "prometheus-adapter-config.yaml")) as f:
        adapter = yaml.safe_load(yaml.safe_load(f)["data"]["config.yaml"])["rules"]
    served = {rule["name"]["as"]: rule for rule in adapter}
    pods_metrics = [m["pods"]["metric"]["name"] for m in objects["HorizontalPodAutoscaler"]["spec"]["metrics"] if m["type"] == "Pods"]
    check(len(pods_metrics) == 1, "the HPA must scale on one per-pod custom metric (requests/s) besides CPU")
    for name in pods_metrics:
        check(name in served, f"the HPA's metric {name} is not served by the prometheus-adapter rule ({sorted(served)})")
    for name, rule in served.items():
        for metric in metric_names(rule["seriesQuery"]):
            check(metric in exported, f"the adapter rule {name} reads {metric}, which /metrics does not have")
        check(rule["resources"]["overrides"].keys() >= {"namespace", "pod"}, f"the adapter rule {name} must map namespace and pod")

    # Grafana: every query on recording rules, and every recording rule that a panel could show exists.
    with open(os.path.join(ROOT, "deploy", "grafana", "bertner.json")) as f:
        dashboard = json.load(f)
    queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    check(len(queries) >= 12, "the dashboard should show traffic, errors, latency, batching, queue, readiness, CPU and RSS")
    for expr in queries:
        names = metric_names(expr)
        check(names and names <= set(recording), f"dashboard query {expr!r} reads {sorted(names - set(recording))}, not recording rules")


def check_stream(check):
    """deploy/k8s/stream: the Kafka worker's Deployment and PDB agree, probe its port, run
    `ner stream` with variables it knows, keep secrets out of the manifest, and are scraped."""
    here = os.path.join(HERE, "stream")
    with open(os.path.join(here, "kustomization.yaml")) as f:
        resources = yaml.safe_load(f)["resources"]
    objects = {}
    for resource in resources:
        path = os.path.join(here, resource)
        check(os.path.exists(path), f"stream kustomization lists missing {resource}")
        if os.path.exists(path):
            with open(path) as f:
                document = yaml.safe_load(f)
            objects[document["kind"]] = document
    check(set(objects) == {"Deployment", "PodDisruptionBudget"}, f"stream: unexpected kinds {sorted(objects)}")
    if set(objects) != {"Deployment", "PodDisruptionBudget"}:
        return
    spec = objects["Deployment"]["spec"]
    pod = spec["template"]
    container = pod["spec"]["containers"][0]
    check(container.get("command", [])[-1:] == ["stream"], "the stream Deployment must run `ner stream`")
    check(all(pod["metadata"]["labels"].get(k) == v for k, v in spec["selector"]["matchLabels"].items()), "stream selector does not match pod labels")
    check(objects["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == spec["selector"]["matchLabels"], "stream PDB selector does not match")
    port = {p["name"]: p["containerPort"] for p in container["ports"]}.get("probes")
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    check(port is not None and env.get("NER_PORT") == str(port), "NER_PORT must be the probes container port")
    check(pod["metadata"].get("annotations", {}).get("prometheus.io/port") == str(port), "the scrape annotation must name the probes port")
    for probe, path in [("startupProbe", "/health"), ("livenessProbe", "/health"), ("readinessProbe", "/ready")]:
        get = container.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path and get.get("port") in ("probes", port), f"stream {probe} must GET {path} on the probes port")
    # `ner stream` reads the variables its option groups declare: the engine's (model, precision,
    # threads, …) and the stream's own.
    known = set()
    for group in (("NERServing", "EngineOptions.swift"), ("NERServing", "ModelLocation.swift"),
                  ("NERServing", "PrecisionChoice+Argument.swift"), ("NERStream", "StreamOptions.swift")):
        with open(os.path.join(ROOT, "Sources", *group)) as f:
            known |= set(re.findall(r'"(NER_[A-Z_]+)"', f.read()))
    for name in env:
        check(not name.startswith("NER_") or name in known, f"the stream Deployment sets {name}, which `ner stream` does not read")
    for name, value in env.items():
        check(value is None or not re.search(r"(?i)password|secret", str(value)) or "${" in str(value) or value.startswith("/"),
              f"{name} looks like an inline secret; use a Secret")
    drain = float(env.get("NER_DRAIN_TIMEOUT_SECONDS", 30))
    check(pod["spec"]["terminationGracePeriodSeconds"] >= drain + 10, "terminationGracePeriodSeconds must cover the stream drain")
    check(pod["spec"]["securityContext"].get("runAsNonRoot") is True, "stream pods must run as non-root")
    with open(os.path.join(PROMETHEUS, "prometheus.yml")) as f:
        jobs = {j["job_name"]: j for j in yaml.safe_load(f)["scrape_configs"]}
    job = jobs.get("bertner-stream")
    check(job is not None and any(r.get("action") == "keep" and r.get("regex") == pod["metadata"]["labels"]["app"]
                                  for r in job["relabel_configs"]), "prometheus.yml must scrape the stream pods (job bertner-stream)")


def main():
    problems = []

    def check(condition, message):
        if not condition:
            problems.append(message)

    kustomization = load("kustomization.yaml")
    for resource in kustomization["resources"]:
        check(os.path.exists(os.path.join(HERE, resource)), f"kustomization lists missing {resource}")
    objects = {load(r)["kind"]: load(r) for r in kustomization["resources"]}
    check(set(objects) == {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"},
          f"unexpected kinds {sorted(objects)}")

    deployment = objects["Deployment"]
    spec = deployment["spec"]
    pod = spec["template"]
    labels = pod["metadata"]["labels"]
    check(spec["replicas"] == 2, "Deployment must run 2 replicas")
    check(all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items()), "Deployment selector does not match pod labels")
    container = pod["spec"]["containers"][0]
    port = {p["name"]: p["containerPort"] for p in container["ports"]}
    check(port.get("http") == 8000, "container must expose http on 8000")
    check(container["resources"] == {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "1000m", "memory": "1Gi"}},
          "resources differ from the seed's 500m/512Mi requests, 1000m/1Gi limits")
    for probe, path in [("startupProbe", "/health"), ("livenessProbe", "/health"), ("readinessProbe", "/ready")]:
        get = container.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path and get.get("port") in ("http", 8000), f"{probe} must GET {path} on the http port")
    check("preStop" in container.get("lifecycle", {}), "preStop hook missing (endpoints must drain)")
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    drain = float(env.get("NER_DRAIN_SECONDS", 3))
    pre_stop = container["lifecycle"]["preStop"].get("sleep", {}).get("seconds", 0)
    check(pod["spec"]["terminationGracePeriodSeconds"] >= pre_stop + drain + 10,
          "terminationGracePeriodSeconds must cover preStop + drain + in-flight requests")
    security = container.get("securityContext", {})
    check(pod["spec"]["securityContext"].get("runAsNonRoot") is True, "pods must run as non-root")
    check(security.get("readOnlyRootFilesystem") is True and security.get("allowPrivilegeEscalation") is False,
          "container must have a read-only root fs and no privilege escalation")
    check(pod["metadata"].get("annotations", {}).get("prometheus.io/scrape") == "true", "Prometheus scrape annotation missing")

    service = objects["Service"]
    check(service["spec"]["selector"] == spec["selector"]["matchLabels"], "Service selector does not match the Deployment")
    check(service["spec"]["ports"][0]["port"] == 80 and service["spec"]["ports"][0]["targetPort"] in ("http", 8000), "Service must map 80 → 8000")
    backend = objects["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    check(backend["name"] == service["metadata"]["name"], "Ingress must route to the Service")
    hpa = objects["HorizontalPodAutoscaler"]["spec"]
    check(hpa["scaleTargetRef"]["name"] == deployment["metadata"]["name"], "HPA must target the Deployment")
    check((hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10), "HPA must scale 2–10")
    check(hpa["metrics"][0]["resource"]["target"]["averageUtilization"] == 70, "HPA must target 70 % CPU")
    check({"scaleUp", "scaleDown"} <= set(hpa.get("behavior", {})), "HPA must state its scale-up and scale-down behaviour")
    ingress = objects["Ingress"]["spec"]
    hosts = {rule["host"] for rule in ingress["rules"]}
    check(any(set(t["hosts"]) == hosts and t.get("secretName") for t in ingress.get("tls", [])), "the Ingress must serve TLS for its hosts")
    pdb = objects["PodDisruptionBudget"]["spec"]
    check(pdb["selector"]["matchLabels"] == spec["selector"]["matchLabels"], "PDB selector does not match the Deployment")

    check_monitoring(check, objects, labels)
    check_stream(check)

    for p in problems:
        print("deploy/k8s:", p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"deploy/k8s: {len(objects)} objects consistent; HPA, prometheus-adapter, rules, scrape job and dashboard agree")


if __name__ == "__main__":
    main()
