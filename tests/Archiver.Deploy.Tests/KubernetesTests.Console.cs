using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using k8s;

namespace Archiver.Deploy.Tests;

/// <summary>
/// deploy/k8s/console-*.yaml: the reviewer console as a Deployment of the workers' image with `args: ["console"]`, its
/// own ConfigMap and login Secret, probes on /health, 0.0.0.0 in the pod behind a ClusterIP Service, its data-protection
/// keys on a shared claim, the workers' checkpoint key and checkpoint claim; and the example Ingress with TLS.
/// </summary>
public sealed partial class KubernetesTests
{
    private const string ConsoleSecret = "archiver-console-secrets";

    private const string ConsoleLogin = "archiver_reviewer_console";

    private static JsonNode ConsoleDeployment => Named("Deployment", "archiver-console");

    private static JsonNode ConsolePodSpec => ConsoleDeployment.At("spec.template.spec")!;

    private static JsonNode ConsoleContainer => Assert.Single(ConsolePodSpec.Arr("containers"))!;

    private static JsonNode ConsoleService => Named("Service", "archiver-console");

    private static JsonNode ConsoleIngress => One("Ingress");

    /// <summary>The console's configuration: the one ConfigMap its container takes wholesale.</summary>
    private static Dictionary<string, string> ConsoleConfig =>
        Named("ConfigMap", Assert.Single(ConsoleContainer.Arr("envFrom"))!.Str("configMapRef.name")!).StringMap("data");

    private static bool Selects(Dictionary<string, string> selector, Dictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.GetValueOrDefault(s.Key) == s.Value);

    [Fact]
    public void Console_runs_archiver_console_with_the_workers_image()
    {
        Assert.Equal(["console"], ConsoleContainer.Arr("args").Select(a => a!.ToString()));
        Assert.Null(ConsoleContainer.At("command")); // the image's ENTRYPOINT stays: `dotnet archiver.dll console`
        Assert.Equal(Container.Str("image"), ConsoleContainer.Str("image"));
        Assert.Equal(Container.Str("imagePullPolicy"), ConsoleContainer.Str("imagePullPolicy"));
        var chiseled = Dockerfile.Load("deploy/docker/worker.Dockerfile").Named("chiseled");
        Assert.Equal(["dotnet", "archiver.dll"], chiseled.Last("ENTRYPOINT")!.ExecForm());
        Assert.Null(chiseled.Last("CMD"));
    }

    [Fact]
    public void Console_has_replicas_a_budget_and_the_workers_security_context()
    {
        Assert.True(ConsoleDeployment.At("spec.replicas")!.GetValue<long>() >= 2);
        Assert.Equal(0, ConsoleDeployment.At("spec.strategy.rollingUpdate.maxUnavailable")!.GetValue<long>());
        Assert.True(ConsolePodSpec.At("terminationGracePeriodSeconds")!.GetValue<long>() >= 45);
        Assert.True(JsonNode.DeepEquals(PodSpec.At("securityContext"), ConsolePodSpec.At("securityContext")), "pod securityContext differs from the workers'");
        Assert.True(JsonNode.DeepEquals(Container.At("securityContext"), ConsoleContainer.At("securityContext")), "container securityContext differs from the workers'");
        Assert.Equal(true, ConsoleContainer.At("securityContext.readOnlyRootFilesystem")?.GetValue<bool>());
        Assert.Equal(false, ConsolePodSpec.At("automountServiceAccountToken")?.GetValue<bool>());
        Assert.Equal(false, ConsolePodSpec.At("enableServiceLinks")?.GetValue<bool>());
        Assert.Null(ConsolePodSpec.At("hostNetwork"));
        var (_, tmp) = MountOf(ConsoleContainer, ConsolePodSpec, "/tmp");
        Assert.NotNull(tmp.At("emptyDir"));
        foreach (var kind in new[] { "requests", "limits" })
        {
            Assert.NotNull(ConsoleContainer.At($"resources.{kind}.cpu"));
            Assert.NotNull(ConsoleContainer.At($"resources.{kind}.memory"));
        }
        var budget = Named("PodDisruptionBudget", "archiver-console");
        Assert.Equal(1, budget.At("spec.minAvailable")!.GetValue<long>());
        Assert.Equal(ConsoleDeployment.StringMap("spec.selector.matchLabels"), budget.StringMap("spec.selector.matchLabels"));
    }

    [Fact]
    public void Console_selectors_pick_exactly_the_console_pods_and_no_others_pick_them()
    {
        var console = ConsoleDeployment.StringMap("spec.template.metadata.labels");
        var selector = ConsoleDeployment.StringMap("spec.selector.matchLabels");
        Assert.True(Selects(selector, console));
        Assert.Equal("console", console["app.kubernetes.io/component"]);
        Assert.Equal(selector, ConsoleService.StringMap("spec.selector"));
        var worker = Deployment.StringMap("spec.template.metadata.labels");
        var job = Job.StringMap("spec.template.metadata.labels");
        foreach (var theirs in new[] { Deployment.StringMap("spec.selector.matchLabels"), WorkerService.StringMap("spec.selector"), WorkerBudget.StringMap("spec.selector.matchLabels") })
            Assert.False(Selects(theirs, console), "a worker selector picks the console's pods");
        foreach (var ours in new[] { selector, ConsoleService.StringMap("spec.selector"), Named("PodDisruptionBudget", "archiver-console").StringMap("spec.selector.matchLabels") })
        {
            Assert.False(Selects(ours, worker), "a console selector picks the workers' pods");
            Assert.False(Selects(ours, job), "a console selector picks the migration Job's pod");
        }
    }

    [Fact]
    public void Console_listens_on_all_interfaces_in_the_pod_behind_a_ClusterIP_Service_only()
    {
        var port = Assert.Single(ConsoleContainer.Arr("ports"))!;
        Assert.Equal("0.0.0.0", ConsoleConfig["Console__Address"]); // the pod IP: the kubelet's probes, the Service
        Assert.Equal(port.At("containerPort")!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture), ConsoleConfig["Console__Port"]);
        Assert.Null(port.At("hostPort"));
        Assert.Equal("ClusterIP", ConsoleService.Str("spec.type"));
        Assert.Null(ConsoleService.At("spec.externalIPs"));
        var servicePort = Assert.Single(ConsoleService.Arr("spec.ports"))!;
        Assert.Equal(port.Str("name"), servicePort.Str("targetPort"));
        // Nothing in the kustomization opens the console outside the cluster: every Service is ClusterIP.
        Assert.All(All.Value.Where(d => d.Doc.Str("kind") == "Service"), d => Assert.Equal("ClusterIP", d.Doc.Str("spec.type")));
        Assert.DoesNotContain(ConsoleContainer.Arr("env"), e => e!.Str("name")!.StartsWith("Console__Address", StringComparison.Ordinal) || e.Str("name") == "Console__Port");
    }

    [Fact]
    public void Console_probes_ask_health_on_its_port()
    {
        var port = Assert.Single(ConsoleContainer.Arr("ports"))!.Str("name");
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            Assert.Equal("/health", ConsoleContainer.Str($"{probe}.httpGet.path"));
            Assert.Equal(port, ConsoleContainer.Str($"{probe}.httpGet.port"));
            Assert.Null(ConsoleContainer.At($"{probe}.httpGet.scheme")); // plain HTTP inside the pod; TLS is the Ingress's
        }
        Assert.Null(ConsoleConfig.GetValueOrDefault("Console__PathBase")); // with a path base, the probes' path would change
    }

    [Fact]
    public void Console_connects_as_its_own_login_from_its_own_Secret()
    {
        var env = ConsoleContainer.Arr("env").Single(e => e!.Str("name") == "ConnectionStrings__Archive")!;
        Assert.Equal(ConsoleSecret, env.Str("valueFrom.secretKeyRef.name"));
        Assert.Contains(env.Str("valueFrom.secretKeyRef.key")!, SecretKeys(ConsoleSecret));
        var example = ComposeTests.ConnectionString(SecretNamed(ConsoleSecret).StringMap("stringData")["connection-string"]);
        Assert.Equal(ConsoleLogin, example["Username"]);
        var worker = ComposeTests.ConnectionString(SecretNamed(WorkerSecret).StringMap("stringData")["connection-string"]);
        foreach (var key in new[] { "Port", "Database", "SSL Mode" })
            Assert.Equal(worker[key], example[key]);

        // It references its own Secret and the checkpoint key's, never the workers' login or the owner's.
        var text = ConsoleDeployment.ToJsonString();
        Assert.DoesNotContain($"\"{WorkerSecret}\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(OwnerSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ConsoleContainer.Arr("envFrom"), f => f!.At("secretRef") is not null);
        var secretsUsed = ConsoleContainer.Arr("env").Select(e => e!.Str("valueFrom.secretKeyRef.name")).OfType<string>()
            .Concat(ConsolePodSpec.Arr("volumes").Select(v => v!.Str("secret.secretName")).OfType<string>()).Distinct();
        Assert.Equal([CheckpointKeySecret, ConsoleSecret], secretsUsed.Order(StringComparer.Ordinal));
        foreach (var volume in ConsolePodSpec.Arr("volumes").Where(v => v!.At("secret") is not null))
            foreach (var item in volume!.Arr("secret.items"))
                Assert.Contains(item!.Str("key")!, SecretKeys(volume.Str("secret.secretName")!));
        foreach (var e in ConsoleContainer.Arr("env").Where(e => e!.At("valueFrom.secretKeyRef") is not null))
            Assert.Contains(e!.Str("valueFrom.secretKeyRef.key")!, SecretKeys(e.Str("valueFrom.secretKeyRef.name")!));
        // And neither the workers nor the Job reference the console's Secret.
        Assert.DoesNotContain(ConsoleSecret, Deployment.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ConsoleSecret, Job.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ConsoleLogin, SecretNamed(WorkerSecret).ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Console_secrets_are_never_inline()
    {
        var config = ConsoleConfig;
        Assert.DoesNotContain(config.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.EndsWith("ClientSecret", StringComparison.Ordinal));
        Assert.DoesNotContain(config.Values, v => v.Contains("Password", StringComparison.OrdinalIgnoreCase) || v.Contains("PRIVATE KEY", StringComparison.Ordinal));
        // OpenID Connect's client secret: from the Secret (optional: local accounts need none), never a value.
        var secret = ConsoleContainer.Arr("env").Single(e => e!.Str("name") == "Console__Oidc__ClientSecret")!;
        Assert.Null(secret.At("value"));
        Assert.Equal(ConsoleSecret, secret.Str("valueFrom.secretKeyRef.name"));
        Assert.DoesNotContain(ConsoleContainer.Arr("env"), e => e!.At("value") is not null && e.Str("name")!.Contains("Secret", StringComparison.Ordinal));
        // The users file: one item of the console's Secret, mounted read-only, readable by the owner and fsGroup only.
        var usersFile = config["Console__UsersFile"];
        var (mount, volume) = MountOf(ConsoleContainer, ConsolePodSpec, usersFile);
        Assert.Equal(true, mount.At("readOnly")?.GetValue<bool>());
        Assert.Equal(ConsoleSecret, volume.Str("secret.secretName"));
        var item = Assert.Single(volume.Arr("secret.items"))!;
        Assert.Equal(usersFile, mount.Str("mountPath") + "/" + item.Str("path"));
        var mode = item.At("mode")?.GetValue<long>() ?? volume.At("secret.defaultMode")!.GetValue<long>();
        Assert.True((mode & ~0b100_100_000L) == 0, $"the users file's mode is {Convert.ToString(mode, 8)}: at most 0440");
        foreach (var doc in All.Value.Where(d => !d.File.EndsWith(".example.yaml", StringComparison.Ordinal)).Select(d => d.Doc))
            Assert.DoesNotContain("passwordHash", doc.ToJsonString(), StringComparison.Ordinal);
        Assert.All(SecretNamed(ConsoleSecret).StringMap("stringData"), kv => Assert.Contains("REPLACE_ME", kv.Value, StringComparison.Ordinal));
    }

    [Fact]
    public void Console_signs_with_the_workers_key_into_the_workers_checkpoint_claim()
    {
        var config = ConsoleConfig;
        Assert.Equal(Config["Integrity__SigningKeyFile"], config["Integrity__SigningKeyFile"]);
        Assert.Equal(Config["Integrity__CheckpointDirectory"], config["Integrity__CheckpointDirectory"]);
        var (keyMount, keyVolume) = MountOf(ConsoleContainer, ConsolePodSpec, config["Integrity__SigningKeyFile"]);
        var (workerKeyMount, workerKeyVolume) = MountOf(Container, PodSpec, Config["Integrity__SigningKeyFile"]);
        Assert.Equal(true, keyMount.At("readOnly")?.GetValue<bool>());
        Assert.True(JsonNode.DeepEquals(workerKeyVolume.At("secret"), keyVolume.At("secret")), "the console's key volume differs from the workers'");
        Assert.Equal(workerKeyMount.Str("mountPath"), keyMount.Str("mountPath"));
        var (directory, claim) = MountOf(ConsoleContainer, ConsolePodSpec, config["Integrity__CheckpointDirectory"]);
        var (_, workerClaim) = MountOf(Container, PodSpec, Config["Integrity__CheckpointDirectory"]);
        Assert.NotEqual(true, directory.At("readOnly")?.GetValue<bool>());
        Assert.Equal(workerClaim.Str("persistentVolumeClaim.claimName"), claim.Str("persistentVolumeClaim.claimName"));
        Assert.DoesNotContain(ConsoleContainer.Arr("env"), e => e!.Str("name")!.StartsWith("Integrity__", StringComparison.Ordinal));
    }

    [Fact]
    public void Console_keeps_its_keys_on_a_shared_PersistentVolumeClaim_of_its_own()
    {
        var (mount, volume) = MountOf(ConsoleContainer, ConsolePodSpec, ConsoleConfig["Console__KeysDirectory"]);
        Assert.Equal(ConsoleConfig["Console__KeysDirectory"], mount.Str("mountPath")); // the directory must exist
        Assert.NotEqual(true, mount.At("readOnly")?.GetValue<bool>());
        var claimName = volume.Str("persistentVolumeClaim.claimName");
        Assert.NotNull(claimName); // not an emptyDir: the keys outlive the pods, or every rollout signs everyone out
        Assert.NotEqual(Named("PersistentVolumeClaim", "archiver-checkpoints").Str("metadata.name"), claimName);
        var claim = Assert.Single(All.Value, d => d.Doc.Str("kind") == "PersistentVolumeClaim" && d.Doc.Str("metadata.name") == claimName);
        Assert.Contains("ReadWriteMany", claim.Doc.Arr("spec.accessModes").Select(m => m!.ToString())); // every replica at once
        var kustomization = Yaml.Load(Repo.Read($"{Dir}/kustomization.yaml"), "kustomization.yaml");
        Assert.Contains(kustomization.Arr("resources"), r => r!.ToString() == claim.File);
        // Only the console mounts it: whoever reads the keys can forge a sign-in.
        Assert.DoesNotContain(claimName!, Deployment.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(claimName!, Job.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Console_configuration_is_its_own_and_the_workers_is_theirs()
    {
        Assert.NotEqual(WorkerConfigMap.Str("metadata.name"), Assert.Single(ConsoleContainer.Arr("envFrom"))!.Str("configMapRef.name"));
        Assert.DoesNotContain(ConsoleConfig.Keys, k => k.StartsWith("LivePerson__", StringComparison.Ordinal) || k.StartsWith("Archive__", StringComparison.Ordinal) || k.StartsWith("Coordination__", StringComparison.Ordinal));
        Assert.DoesNotContain(Config.Keys, k => k.StartsWith("Console__", StringComparison.Ordinal));
        foreach (var key in new[] { "Console__Address", "Console__Port", "Console__KeysDirectory", "Console__UsersFile", "Integrity__SigningKeyFile", "Integrity__CheckpointDirectory" })
            Assert.False(string.IsNullOrEmpty(ConsoleConfig.GetValueOrDefault(key)), $"{key} is not set");
    }

    [Fact]
    public void Console_is_applied_after_the_migration_Job_in_the_upgrade_order()
    {
        // The upgrade's first step applies `-l app.kubernetes.io/component=migrate`: the Job alone, never the console's
        // objects, which roll with the final `kubectl apply -k` once the Job has completed. (The console, unlike a
        // worker, does not refuse an old schema at start: the order is what holds it back.)
        foreach (var doc in All.Value.Where(d => d.File.StartsWith("console-", StringComparison.Ordinal)))
        {
            Assert.Equal("console", doc.Doc.StringMap("metadata.labels")["app.kubernetes.io/component"]);
        }
        Assert.NotEqual("migrate", ConsoleDeployment.StringMap("spec.template.metadata.labels")["app.kubernetes.io/component"]);
        Assert.Contains("upgrade", Repo.Read($"{Dir}/console-deployment.yaml"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("console", Repo.Read($"{Dir}/kustomization.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public void Console_Ingress_example_terminates_TLS_in_front_of_the_console_Service()
    {
        var (file, ingress) = Assert.Single(All.Value, d => d.Doc.Str("kind") == "Ingress");
        Assert.EndsWith(".example.yaml", file, StringComparison.Ordinal); // the class, host and certificate are the site's
        var kustomization = Yaml.Load(Repo.Read($"{Dir}/kustomization.yaml"), "kustomization.yaml");
        Assert.DoesNotContain(kustomization.Arr("resources"), r => r!.ToString() == file);
        Assert.Equal(kustomization.Str("namespace"), ingress.Str("metadata.namespace"));
        var tls = Assert.Single(ingress.Arr("spec.tls"))!;
        Assert.False(string.IsNullOrEmpty(tls.Str("secretName")));
        var rule = Assert.Single(ingress.Arr("spec.rules"))!;
        Assert.Contains(rule.Str("host"), tls.Arr("hosts").Select(h => h!.ToString())); // every routed host has TLS
        var path = Assert.Single(rule.Arr("http.paths"))!;
        Assert.Equal(ConsoleService.Str("metadata.name"), path.Str("backend.service.name"));
        Assert.Contains(path.Str("backend.service.port.name"), ConsoleService.Arr("spec.ports").Select(p => p!.Str("name")));
        Assert.Equal("/", path.Str("path"));
        Assert.Equal("Prefix", path.Str("pathType"));
    }

    [Fact]
    public void The_schema_rejects_what_it_claims_to_for_the_Ingress()
    {
        var schema = Schema.Value;
        bool Valid(JsonNode doc) => schema.Evaluate(JsonSerializer.SerializeToElement(doc), new EvaluationOptions()).IsValid;
        JsonNode Mutate(Action<JsonNode> change)
        {
            var copy = ConsoleIngress.DeepClone();
            change(copy);
            return copy;
        }
        JsonNode Path(JsonNode d) => d.At("spec.rules")![0]!["http"]!["paths"]![0]!;
        Assert.True(Valid(ConsoleIngress));
        Assert.False(Valid(Mutate(d => d["apiVersion"] = "extensions/v1beta1")), "old apiVersion");
        Assert.False(Valid(Mutate(d => d.AsObject().Remove("spec"))), "no spec");
        Assert.False(Valid(Mutate(d => d.At("spec")!.AsObject().Remove("rules"))), "neither rules nor a default backend");
        Assert.False(Valid(Mutate(d => Path(d).AsObject().Remove("pathType"))), "a path without pathType");
        Assert.False(Valid(Mutate(d => Path(d)["pathType"] = "Begins")), "an unknown pathType");
        Assert.False(Valid(Mutate(d => Path(d)["path"] = "console")), "a relative path");
        Assert.False(Valid(Mutate(d => Path(d)["backend"]!["resource"] = new JsonObject { ["kind"] = "Bucket", ["name"] = "b" })), "two backends");
        Assert.False(Valid(Mutate(d => Path(d)["backend"]!["service"]!["port"]!["number"] = 8080)), "a port by number and by name");
        Assert.True(Valid(Mutate(d => Path(d)["backend"]!["service"]!["port"] = new JsonObject { ["number"] = 8080 })), "a port by number alone");
        Assert.False(Valid(Mutate(d => Path(d)["backend"]!["service"]!["port"] = new JsonObject { ["number"] = 70000 })), "port out of range");
        Assert.False(Valid(Mutate(d => d.At("spec.rules")![0]!["host"] = "10.0.0.1")), "an IP address as host");
        Assert.False(Valid(Mutate(d => d.At("spec.rules")![0]!["host"] = "Console.Example.com")), "a host that is not lower case");
        Assert.False(Valid(Mutate(d => d.At("spec.tls")![0]!["secretName"] = "Console_TLS")), "a Secret name that is not a DNS subdomain");
        Assert.False(Valid(Mutate(d => d.At("spec")!["ingressClassName"] = "Nginx")), "an ingress class that is not a DNS subdomain");
    }

    [Fact]
    public void Strict_typed_parse_rejects_unknown_fields_in_the_console_manifests()
    {
        var deployment = Repo.Read($"{Dir}/console-deployment.yaml");
        Assert.IsType<k8s.Models.V1Deployment>(Assert.Single(KubernetesYaml.LoadAllFromString(deployment, strict: true)));
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(deployment.Replace("readinessProbe:", "readynessProbe:", StringComparison.Ordinal), strict: true));
        var ingress = Repo.Read($"{Dir}/console-ingress.example.yaml");
        Assert.IsType<k8s.Models.V1Ingress>(Assert.Single(KubernetesYaml.LoadAllFromString(ingress, strict: true)));
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(ingress.Replace("ingressClassName:", "ingressClass:", StringComparison.Ordinal), strict: true));
    }
}
