"""Checks the Kubernetes manifests beyond their schemas (kubernetes-validate does those): the files
kustomization.yaml lists exist, and the objects agree with each other and with the service —
selectors match the pod labels, probes hit /health and /ready on the container port, the Service
targets that port, the HPA and PDB point at the Deployment, resources are the seed's."""
import os
import sys

import yaml

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "k8s")


def load(name):
    with open(os.path.join(HERE, name)) as f:
        return yaml.safe_load(f)


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
    pdb = objects["PodDisruptionBudget"]["spec"]
    check(pdb["selector"]["matchLabels"] == spec["selector"]["matchLabels"], "PDB selector does not match the Deployment")

    for p in problems:
        print("deploy/k8s:", p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"deploy/k8s: {len(objects)} objects consistent")


if __name__ == "__main__":
    main()
