using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using k8s;

namespace Archiver.Deploy.Tests;

/// <summary>
/// deploy/k8s, checked in four layers that all run offline: (1) a strict typed parse with the KubernetesClient models,
/// generated from the Kubernetes OpenAPI spec (unknown fields and wrong types fail); (2) the JSON Schema in
/// deploy/k8s/schema (required fields, name formats, enumerations, ranges, one-of shapes); (3) cross-object rules
/// (selectors, referenced ports, ConfigMaps, Secrets, kustomization); (4) this project's deployment policy.
/// Where kubectl is installed, `kubectl kustomize` also builds the kustomization. The migration Job (migrate-job.yaml)
/// goes through the same layers, and through rules of its own: the schema owner's Secret is the Job's alone. The signed
/// checkpoints: the key from a Secret of its own, mounted read-only, the files on a shared PersistentVolumeClaim.
/// </summary>
public sealed partial class KubernetesTests(ITestOutputHelper output)
{
    private const string Dir = "deploy/k8s";

    private static List<string> Files() =>
        Directory.GetFiles(Repo.PathOf(Dir), "*.yaml").Select(f => Path.GetFileName(f)).Where(f => f != "kustomization.yaml").Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> ManifestFiles() => new(Files());

    private static readonly Lazy<List<(string File, JsonNode Doc)>> All = new(() =>
        Files().SelectMany(f => Yaml.LoadAll(Repo.Read($"{Dir}/{f}"), f).Select(d => (f, d!))).ToList());

    // Built once: JsonSchema.Net registers a schema's $id globally and refuses a second registration.
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(Repo.Read($"{Dir}/schema/k8s-essentials.schema.json")));

    private static JsonNode One(string kind) => Assert.Single(All.Value, d => d.Doc.Str("kind") == kind).Doc;

    /// <summary>The one object of a kind with a name (the workers' and the console's objects share kinds).</summary>
    private static JsonNode Named(string kind, string name) =>
        Assert.Single(All.Value, d => d.Doc.Str("kind") == kind && d.Doc.Str("metadata.name") == name).Doc;

    private static JsonNode Deployment => Named("Deployment", "archiver");

    private static JsonNode WorkerConfigMap => Named("ConfigMap", "archiver-config");

    private static JsonNode WorkerService => Named("Service", "archiver");

    private static JsonNode WorkerBudget => Named("PodDisruptionBudget", "archiver");

    private static JsonNode PodSpec => Deployment.At("spec.template.spec")!;

    private static JsonNode Container => Assert.Single(PodSpec.Arr("containers"))!;

    private static JsonNode Job => One("Job");

    private static JsonNode JobPodSpec => Job.At("spec.template.spec")!;

    private static JsonNode JobContainer => Assert.Single(JobPodSpec.Arr("containers"))!;

    private const string WorkerSecret = "archiver-secrets";

    private const string OwnerSecret = "archiver-owner";

    private const string CheckpointKeySecret = "archiver-checkpoint-key";

    private static Dictionary<string, string> Config => WorkerConfigMap.StringMap("data");

    /// <summary>The container's mount that holds a path (the mount path itself or below it), and the pod volume behind it.</summary>
    private static (JsonNode Mount, JsonNode Volume) MountOf(JsonNode container, JsonNode podSpec, string path)
    {
        var mount = Assert.Single(container.Arr("volumeMounts"), m => path == m!.Str("mountPath") || path.StartsWith(m!.Str("mountPath") + "/", StringComparison.Ordinal))!;
        var volume = Assert.Single(podSpec.Arr("volumes"), v => v!.Str("name") == mount.Str("name"))!;
        return (mount, volume);
    }

    private static JsonNode SecretNamed(string name) => Assert.Single(All.Value, d => d.Doc.Str("kind") == "Secret" && d.Doc.Str("metadata.name") == name).Doc;

    private static HashSet<string> SecretKeys(string name)
    {
        var secret = SecretNamed(name);
        return secret.StringMap("stringData").Keys.Concat(secret.StringMap("data").Keys).ToHashSet(StringComparer.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Strict_typed_parse_with_the_Kubernetes_OpenAPI_models(string file)
    {
        var objects = KubernetesYaml.LoadAllFromString(Repo.Read($"{Dir}/{file}"), strict: true);
        Assert.NotEmpty(objects);
        output.WriteLine(string.Join(", ", objects.Select(o => o.GetType().Name)));
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Valid_against_the_essentials_schema(string file)
    {
        var schema = Schema.Value;
        foreach (var doc in Yaml.LoadAll(Repo.Read($"{Dir}/{file}"), file))
        {
            var result = schema.Evaluate(JsonSerializer.SerializeToElement(doc), new EvaluationOptions { OutputFormat = OutputFormat.List });
            var errors = (result.Details ?? []).Where(d => d.Errors is not null)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value} ({d.EvaluationPath})")).ToList();
            Assert.True(result.IsValid, $"{file}:\n{string.Join('\n', errors)}");
        }
    }

    [Fact]
    public void The_schema_rejects_what_it_claims_to()
    {
        // The checker is only as good as its failures: each mutation of the real Deployment must be refused.
        var schema = Schema.Value;
        bool Valid(JsonNode doc) => schema.Evaluate(JsonSerializer.SerializeToElement(doc), new EvaluationOptions()).IsValid;
        JsonNode Mutate(Action<JsonNode> change)
        {
            var copy = Deployment.DeepClone();
            change(copy);
            return copy;
        }
        Assert.True(Valid(Deployment));
        Assert.False(Valid(Mutate(d => d.At("spec")!.AsObject().Remove("selector"))), "missing selector");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!.AsObject().Remove("image"))), "missing image");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!["ports"]![0]!["name"] = "http-metrics-port")), "port name over 15 characters");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!["ports"]![0]!["containerPort"] = 70000)), "port out of range");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!["livenessProbe"]!["tcpSocket"] = new JsonObject { ["port"] = 9400 })), "two probe handlers");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!["livenessProbe"]!["successThreshold"] = 2)), "liveness successThreshold 2");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!["env"]![0]!["valueFrom"]!["secretKeyRef"]!.AsObject().Remove("key"))), "secretKeyRef without key");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!["env"]![0]!["value"] = "x")), "value and valueFrom");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!["resources"]!["limits"]!["memory"] = "512MB")), "bad quantity");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!["name"] = "Worker")), "container name not a DNS label");
        Assert.False(Valid(Mutate(d => d["apiVersion"] = "extensions/v1beta1")), "old apiVersion");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.volumes")![1]!["emptyDir"] = new JsonObject())), "volume with two sources");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec")!["restartPolicy"] = "OnFailure")), "a Deployment's pods restart Always");
        Assert.False(Valid(Mutate(d => d.Arr("spec.template.spec.volumes").Single(v => v!["persistentVolumeClaim"] is not null)!["persistentVolumeClaim"]!.AsObject().Remove("claimName"))), "a claim volume without claimName");
    }

    [Fact]
    public void The_schema_rejects_what_it_claims_to_for_the_Job()
    {
        var schema = Schema.Value;
        bool Valid(JsonNode doc) => schema.Evaluate(JsonSerializer.SerializeToElement(doc), new EvaluationOptions()).IsValid;
        JsonNode Mutate(Action<JsonNode> change)
        {
            var copy = Job.DeepClone();
            change(copy);
            return copy;
        }
        Assert.True(Valid(Job));
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec")!["restartPolicy"] = "Always")), "a Job's pods cannot restart Always");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec")!.AsObject().Remove("restartPolicy"))), "restartPolicy left to its default, Always");
        Assert.False(Valid(Mutate(d => d.At("spec")!["backoffLimit"] = -1)), "negative backoffLimit");
        Assert.False(Valid(Mutate(d => d["apiVersion"] = "batch/v1beta1")), "old apiVersion");
        Assert.False(Valid(Mutate(d => d.AsObject().Remove("spec"))), "no spec");
        Assert.False(Valid(Mutate(d => d.At("spec")!.AsObject().Remove("template"))), "no template");
        Assert.False(Valid(Mutate(d => d.At("spec")!["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["a"] = "b" } })), "a hand-written selector");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!["env"]![0]!["valueFrom"]!["secretKeyRef"]!.AsObject().Remove("name"))), "secretKeyRef without name");
        Assert.False(Valid(Mutate(d => d.At("spec.template.spec.containers")![0]!["name"] = "Migrate")), "container name not a DNS label");
    }

    [Fact]
    public void The_schema_rejects_what_it_claims_to_for_the_PersistentVolumeClaim()
    {
        var schema = Schema.Value;
        var claim = Named("PersistentVolumeClaim", "archiver-checkpoints");
        bool Valid(JsonNode doc) => schema.Evaluate(JsonSerializer.SerializeToElement(doc), new EvaluationOptions()).IsValid;
        JsonNode Mutate(Action<JsonNode> change)
        {
            var copy = claim.DeepClone();
            change(copy);
            return copy;
        }
        Assert.True(Valid(claim));
        Assert.False(Valid(Mutate(d => d.AsObject().Remove("spec"))), "no spec");
        Assert.False(Valid(Mutate(d => d["apiVersion"] = "storage.k8s.io/v1")), "wrong apiVersion");
        Assert.False(Valid(Mutate(d => d.At("spec")!.AsObject().Remove("accessModes"))), "no access mode");
        Assert.False(Valid(Mutate(d => d.At("spec")!["accessModes"] = new JsonArray())), "an empty list of access modes");
        Assert.False(Valid(Mutate(d => d.At("spec")!["accessModes"] = new JsonArray("ReadWriteAll"))), "an unknown access mode");
        Assert.False(Valid(Mutate(d => d.At("spec.resources.requests")!.AsObject().Remove("storage"))), "no storage request");
        Assert.False(Valid(Mutate(d => d.At("spec.resources.requests")!["storage"] = "1GB")), "bad quantity");
        Assert.False(Valid(Mutate(d => d.At("spec")!["storageClassName"] = "Fast_NFS")), "storage class name not a DNS subdomain");
        Assert.False(Valid(Mutate(d => d.At("spec")!["volumeMode"] = "Directory")), "an unknown volume mode");
    }

    [Fact]
    public void Strict_typed_parse_rejects_unknown_fields_and_wrong_types()
    {
        var text = Repo.Read($"{Dir}/deployment.yaml");
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(text.Replace("imagePullPolicy:", "imagePullPolcy:", StringComparison.Ordinal), strict: true));
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(text.Replace("replicas: 2", "replicas: two", StringComparison.Ordinal), strict: true));
        var job = Repo.Read($"{Dir}/migrate-job.yaml");
        Assert.IsType<k8s.Models.V1Job>(Assert.Single(KubernetesYaml.LoadAllFromString(job, strict: true)));
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(job.Replace("backoffLimit:", "backofLimit:", StringComparison.Ordinal), strict: true));
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(job.Replace("backoffLimit: 6", "backoffLimit: six", StringComparison.Ordinal), strict: true));
    }

    [Fact]
    public void Deployment_selector_matches_its_pod_template_labels()
    {
        var selector = Deployment.StringMap("spec.selector.matchLabels");
        var labels = Deployment.StringMap("spec.template.metadata.labels");
        Assert.NotEmpty(selector);
        Assert.All(selector, s => Assert.Equal(s.Value, labels.GetValueOrDefault(s.Key)));
        Assert.Null(Deployment.At("spec.selector.matchExpressions"));
    }

    [Fact]
    public void Service_and_PodDisruptionBudget_select_exactly_the_worker_pods()
    {
        var labels = Deployment.StringMap("spec.template.metadata.labels");
        var selector = Deployment.StringMap("spec.selector.matchLabels");
        foreach (var match in new[] { WorkerService.StringMap("spec.selector"), WorkerBudget.StringMap("spec.selector.matchLabels") })
        {
            Assert.NotEmpty(match);
            Assert.All(match, s => Assert.Equal(s.Value, labels.GetValueOrDefault(s.Key)));
            Assert.Equal(selector, match); // the same set of pods, not a superset picking up other workloads' pods
        }
    }

    [Fact]
    public void Service_and_probes_refer_to_a_declared_container_port()
    {
        var ports = Container.Arr("ports").ToDictionary(p => p!.Str("name")!, p => p!.At("containerPort")!.GetValue<long>(), StringComparer.Ordinal);
        foreach (var port in WorkerService.Arr("spec.ports"))
            Assert.Contains(port!.Str("targetPort")!, ports.Keys);
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
            Assert.Contains(Container.Str($"{probe}.httpGet.port")!, ports.Keys);
        var config = WorkerConfigMap.StringMap("data");
        Assert.Equal(ports["http-metrics"].ToString(System.Globalization.CultureInfo.InvariantCulture), config["Observability__Port"]);
        Assert.Equal("0.0.0.0", config["Observability__Address"]);
        var annotations = Deployment.StringMap("spec.template.metadata.annotations");
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(config["Observability__Port"], annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
    }

    [Fact]
    public void ConfigMaps_Secrets_and_volumes_referenced_by_the_pod_exist()
    {
        var configMaps = All.Value.Where(d => d.Doc.Str("kind") == "ConfigMap").ToDictionary(d => d.Doc.Str("metadata.name")!, d => d.Doc.StringMap("data"), StringComparer.Ordinal);
        var secretKeys = SecretKeys(WorkerSecret);

        foreach (var from in Container.Arr("envFrom"))
            Assert.Contains(from!.Str("configMapRef.name")!, configMaps.Keys);
        foreach (var env in Container.Arr("env"))
        {
            if (env!.At("valueFrom.secretKeyRef") is { } secretRef)
            {
                Assert.Equal("archiver-secrets", secretRef.Str("name"));
                Assert.Contains(secretRef.Str("key")!, secretKeys);
            }
        }
        var volumes = PodSpec.Arr("volumes").ToDictionary(v => v!.Str("name")!, v => v!, StringComparer.Ordinal);
        foreach (var mount in Container.Arr("volumeMounts"))
            Assert.Contains(mount!.Str("name")!, volumes.Keys);
        foreach (var volume in volumes.Values.Where(v => v.At("secret") is not null))
        {
            var secret = volume.Str("secret.secretName")!;
            Assert.True(secret is WorkerSecret or CheckpointKeySecret, $"the pod mounts the Secret {secret}");
            foreach (var item in volume.Arr("secret.items"))
                Assert.Contains(item!.Str("key")!, SecretKeys(secret));
        }
        var claims = All.Value.Where(d => d.Doc.Str("kind") == "PersistentVolumeClaim").Select(d => d.Doc.Str("metadata.name")).ToList();
        foreach (var volume in volumes.Values.Where(v => v.At("persistentVolumeClaim") is not null))
            Assert.Contains(volume.Str("persistentVolumeClaim.claimName"), claims);
        // A key file the pod's configuration names is one the pod mounts.
        var podConfig = Container.Arr("envFrom").Select(f => configMaps[f!.Str("configMapRef.name")!]);
        foreach (var (key, value) in podConfig.SelectMany(c => c).Where(kv => kv.Key.EndsWith("__SigningKeyFile", StringComparison.Ordinal)))
        {
            Assert.Contains(Container.Arr("volumeMounts"), m => value.StartsWith(m!.Str("mountPath") + "/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_Secrets_are_only_examples_with_placeholders_and_are_not_applied()
    {
        var secrets = All.Value.Where(d => d.Doc.Str("kind") == "Secret").ToList();
        Assert.Equal([CheckpointKeySecret, ConsoleSecret, OwnerSecret, WorkerSecret], secrets.Select(s => s.Doc.Str("metadata.name")!).Order(StringComparer.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.Equal("secret.example.yaml", secret.File);
            Assert.Null(secret.Doc.At("data"));
            Assert.All(secret.Doc.StringMap("stringData"), kv => Assert.Contains("REPLACE_ME", kv.Value, StringComparison.Ordinal));
        }
        var kustomization = Yaml.Load(Repo.Read($"{Dir}/kustomization.yaml"), "kustomization.yaml");
        Assert.DoesNotContain(kustomization.Arr("resources"), r => r!.ToString().Contains("secret", StringComparison.Ordinal));
        Assert.Contains("secret.yaml", Repo.Read($"{Dir}/.gitignore").Split('\n'));
    }

    [Fact]
    public void Kustomization_lists_every_manifest_but_the_examples()
    {
        var kustomization = Yaml.Load(Repo.Read($"{Dir}/kustomization.yaml"), "kustomization.yaml");
        Assert.Equal("kustomize.config.k8s.io/v1beta1", kustomization.Str("apiVersion"));
        Assert.Equal("Kustomization", kustomization.Str("kind"));
        var resources = kustomization.Arr("resources").Select(r => r!.ToString()).Order(StringComparer.Ordinal);
        // *.example.yaml: the Secrets' keys and the console's Ingress, which depend on the site.
        Assert.Equal(["console-ingress.example.yaml", "secret.example.yaml"], Files().Where(f => f.EndsWith(".example.yaml", StringComparison.Ordinal)));
        var expected = Files().Where(f => !f.EndsWith(".example.yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(expected, resources);
        var ns = kustomization.Str("namespace");
        Assert.Equal(One("Namespace").Str("metadata.name"), ns);
        Assert.All(All.Value.Where(d => d.Doc.At("metadata.namespace") is not null), d => Assert.Equal(ns, d.Doc.Str("metadata.namespace")));
        var image = Container.Str("image")!;
        Assert.Contains(kustomization.Arr("images"), i => image.StartsWith(i!.Str("name") + ":", StringComparison.Ordinal));
        Assert.Contains("migrate-job.yaml", resources);
    }

    [Fact]
    public void Kubectl_kustomize_builds_the_directory_when_kubectl_is_installed()
    {
        var tool = Tools.FindOrReport("kubectl", output);
        if (tool is null)
            return;
        var result = Tools.Run(tool, ["kustomize", Dir], Repo.Root, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"kubectl kustomize: exit {result.ExitCode}\n{result.Stderr}");
        var built = Yaml.LoadAll(result.Stdout, "kubectl kustomize");
        Assert.Equal(
            ["ConfigMap", "ConfigMap", "Deployment", "Deployment", "Job", "Namespace", "PersistentVolumeClaim", "PersistentVolumeClaim", "PodDisruptionBudget", "PodDisruptionBudget", "Service", "Service"],
            built.Select(d => d.Str("kind")!).Order(StringComparer.Ordinal));
        Assert.All(built.Where(d => d.Str("kind") != "Namespace"), d => Assert.Equal("archiver", d.Str("metadata.namespace")));
        // The kustomization's `images` rewrites the Job's and the console's image like the workers': one version of all.
        var images = built.Where(d => d.Str("kind") is "Deployment" or "Job").Select(d => Assert.Single(d.Arr("spec.template.spec.containers"))!.Str("image")).Distinct().ToList();
        Assert.Single(images);
        // The built output is what `kubectl apply -k` would send; it must pass the same typed parse and the schema.
        Assert.Equal(12, KubernetesYaml.LoadAllFromString(result.Stdout, strict: true).Count);
        foreach (var doc in built)
            Assert.True(Schema.Value.Evaluate(JsonSerializer.SerializeToElement(doc), new EvaluationOptions()).IsValid, $"kubectl kustomize output: {doc.Str("kind")} fails the schema");
        output.WriteLine("kubectl kustomize: built 12 objects");
    }

    // ---- this project's deployment policy ----

    [Fact]
    public void At_least_two_replicas_and_a_budget_that_keeps_one()
    {
        Assert.True(Deployment.At("spec.replicas")!.GetValue<long>() >= 2);
        var pdb = WorkerBudget;
        Assert.Equal(1, pdb.At("spec.minAvailable")!.GetValue<long>());
        Assert.Equal(0, Deployment.At("spec.strategy.rollingUpdate.maxUnavailable")!.GetValue<long>());
    }

    [Fact]
    public void Termination_grace_exceeds_the_hosts_30_second_shutdown()
    {
        Assert.True(PodSpec.At("terminationGracePeriodSeconds")!.GetValue<long>() >= 45);
    }

    [Fact]
    public void Runs_non_root_read_only_without_privileges()
    {
        Assert.Equal(true, PodSpec.At("securityContext.runAsNonRoot")?.GetValue<bool>());
        Assert.True(PodSpec.At("securityContext.runAsUser")!.GetValue<long>() > 0);
        Assert.Equal("RuntimeDefault", PodSpec.Str("securityContext.seccompProfile.type"));
        Assert.Equal(false, PodSpec.At("automountServiceAccountToken")?.GetValue<bool>());
        var security = Container.At("securityContext");
        Assert.Equal(true, security.At("readOnlyRootFilesystem")?.GetValue<bool>());
        Assert.Equal(false, security.At("allowPrivilegeEscalation")?.GetValue<bool>());
        Assert.Equal(true, security.At("runAsNonRoot")?.GetValue<bool>());
        Assert.Equal(["ALL"], security.Arr("capabilities.drop").Select(c => c!.ToString()));
        // A read-only root needs a writable /tmp for the runtime.
        Assert.Contains(Container.Arr("volumeMounts"), m => m!.Str("mountPath") == "/tmp");
    }

    [Fact]
    public void Has_resource_requests_and_limits()
    {
        foreach (var kind in new[] { "requests", "limits" })
        {
            Assert.NotNull(Container.At($"resources.{kind}.cpu"));
            Assert.NotNull(Container.At($"resources.{kind}.memory"));
        }
    }

    [Fact]
    public void Probes_use_the_health_endpoints_and_the_startup_probe_allows_a_slow_start()
    {
        Assert.Equal("/health/live", Container.Str("livenessProbe.httpGet.path"));
        Assert.Equal("/health/ready", Container.Str("readinessProbe.httpGet.path"));
        Assert.Equal("/health/live", Container.Str("startupProbe.httpGet.path"));
        var startup = Container.At("startupProbe")!;
        var budget = startup.At("periodSeconds")!.GetValue<long>() * startup.At("failureThreshold")!.GetValue<long>();
        Assert.True(budget >= 120, $"the startup probe gives up after {budget} s; a slow database may take minutes");
        Assert.True(Container.At("readinessProbe.timeoutSeconds")!.GetValue<long>() > 3, "readiness runs SELECT 1 with a 3 s bound");
        var port = Assert.Single(Container.Arr("ports"))!;
        Assert.Equal("http-metrics", port.Str("name"));
        Assert.Equal(9400, port.At("containerPort")!.GetValue<long>());
        Assert.Equal("ClusterIP", WorkerService.Str("spec.type"));
    }

    [Fact]
    public void Connection_string_comes_from_the_Secret_never_the_ConfigMap()
    {
        var env = Container.Arr("env").Single(e => e!.Str("name") == "ConnectionStrings__Archive")!;
        Assert.Equal(WorkerSecret, env.Str("valueFrom.secretKeyRef.name"));
        var config = WorkerConfigMap.StringMap("data");
        Assert.DoesNotContain(config.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.EndsWith("__IdToken", StringComparison.Ordinal));
        Assert.DoesNotContain(config.Values, v => v.Contains("Password", StringComparison.OrdinalIgnoreCase));
    }

    // ---- migrations: a separate Job as the schema's owner; the workers as the limited login ----

    [Fact]
    public void Workers_never_migrate()
    {
        Assert.Equal("false", WorkerConfigMap.StringMap("data")["Archive__MigrateOnStart"]);
        Assert.DoesNotContain(Container.Arr("env"), e => e!.Str("name") == "Archive__MigrateOnStart"); // nothing overrides it
        Assert.Null(Container.At("args"));
        Assert.Null(Container.At("command"));
    }

    [Fact]
    public void The_Deployment_never_references_the_owners_Secret()
    {
        var text = Deployment.ToJsonString();
        Assert.DoesNotContain(OwnerSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Container.Arr("envFrom"), f => f!.At("secretRef") is not null); // no Secret wholesale either
        var secretsUsed = Container.Arr("env").Select(e => e!.Str("valueFrom.secretKeyRef.name")).OfType<string>()
            .Concat(PodSpec.Arr("volumes").Select(v => v!.Str("secret.secretName")).OfType<string>()).Distinct();
        Assert.Equal([CheckpointKeySecret, WorkerSecret], secretsUsed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_example_Secrets_hold_the_two_logins()
    {
        string Login(string secret) => ComposeTests.ConnectionString(SecretNamed(secret).StringMap("stringData")["connection-string"])["Username"];
        Assert.Equal("archiver_worker", Login(WorkerSecret));
        Assert.Equal("archiver_owner", Login(OwnerSecret));
        Assert.Equal(["connection-string"], SecretKeys(OwnerSecret)); // the owner's Secret holds nothing the worker needs
    }

    [Fact]
    public void The_Job_runs_migrate_with_the_workers_image_as_the_owner()
    {
        Assert.Equal("archiver-migrate", Job.Str("metadata.name"));
        Assert.Equal(Container.Str("image"), JobContainer.Str("image"));
        Assert.Equal(["migrate"], JobContainer.Arr("args").Select(a => a!.ToString()));
        Assert.Null(JobContainer.At("command")); // the image's ENTRYPOINT stays: `dotnet archiver.dll migrate`
        var chiseled = Dockerfile.Load("deploy/docker/worker.Dockerfile").Named("chiseled");
        Assert.Equal(["dotnet", "archiver.dll"], chiseled.Last("ENTRYPOINT")!.ExecForm());
        Assert.EndsWith("-chiseled", JobContainer.Str("image"), StringComparison.Ordinal);

        var env = Assert.Single(JobContainer.Arr("env"))!;
        Assert.Equal("ConnectionStrings__Archive", env.Str("name"));
        Assert.Equal(OwnerSecret, env.Str("valueFrom.secretKeyRef.name"));
        Assert.Contains(env.Str("valueFrom.secretKeyRef.key")!, SecretKeys(OwnerSecret));
        Assert.Null(JobContainer.At("envFrom")); // not the worker's ConfigMap or Secret
        Assert.DoesNotContain(WorkerSecret, Job.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_Job_retries_then_stops_and_its_pods_are_not_workers()
    {
        Assert.Equal("OnFailure", JobPodSpec.Str("restartPolicy"));
        var backoff = Job.At("spec.backoffLimit")!.GetValue<long>();
        Assert.InRange(backoff, 1, 20);
        Assert.Null(Job.At("spec.parallelism"));   // one at a time (the advisory lock would serialise them anyway)
        Assert.Null(Job.At("spec.completions"));
        Assert.Null(JobContainer.At("ports"));
        // The Service and the PDB select worker pods only: not this one.
        var labels = Job.StringMap("spec.template.metadata.labels");
        foreach (var selector in new[] { WorkerService.StringMap("spec.selector"), WorkerBudget.StringMap("spec.selector.matchLabels"), Deployment.StringMap("spec.selector.matchLabels") })
            Assert.False(selector.All(s => labels.GetValueOrDefault(s.Key) == s.Value), "the Job's pod matches a worker selector");
        Assert.Equal("migrate", labels["app.kubernetes.io/component"]);
    }

    [Fact]
    public void The_Job_has_the_same_security_context_as_the_Deployment()
    {
        Assert.True(JsonNode.DeepEquals(PodSpec.At("securityContext"), JobPodSpec.At("securityContext")), "pod securityContext differs from the Deployment's");
        Assert.True(JsonNode.DeepEquals(Container.At("securityContext"), JobContainer.At("securityContext")), "container securityContext differs from the Deployment's");
        Assert.Equal(false, JobPodSpec.At("automountServiceAccountToken")?.GetValue<bool>());
        Assert.Equal(false, JobPodSpec.At("enableServiceLinks")?.GetValue<bool>());
        // A read-only root needs a writable /tmp for the runtime, backed by a declared volume.
        var mount = Assert.Single(JobContainer.Arr("volumeMounts"), m => m!.Str("mountPath") == "/tmp")!;
        Assert.Contains(JobPodSpec.Arr("volumes"), v => v!.Str("name") == mount.Str("name") && v.At("emptyDir") is not null);
        foreach (var kind in new[] { "requests", "limits" })
        {
            Assert.NotNull(JobContainer.At($"resources.{kind}.cpu"));
            Assert.NotNull(JobContainer.At($"resources.{kind}.memory"));
        }
    }

    // ---- signed checkpoints: the key from its own Secret, the files on a shared claim; the Job gets neither ----

    [Fact]
    public void Workers_sign_checkpoints_with_the_key_from_its_own_Secret_mounted_read_only()
    {
        var keyFile = Config["Integrity__SigningKeyFile"];
        Assert.False(string.IsNullOrEmpty(Config["Integrity__CheckpointDirectory"])); // the worker refuses the key without it
        var (mount, volume) = MountOf(Container, PodSpec, keyFile);
        Assert.Equal(true, mount.At("readOnly")?.GetValue<bool>());
        Assert.Equal(CheckpointKeySecret, volume.Str("secret.secretName"));
        var item = Assert.Single(volume.Arr("secret.items"))!;
        Assert.Equal(keyFile, mount.Str("mountPath") + "/" + item.Str("path"));
        Assert.Equal("checkpoint-key.pem", item.Str("key"));
        Assert.Equal(["checkpoint-key.pem"], SecretKeys(CheckpointKeySecret)); // a Secret of its own, holding nothing else
        Assert.DoesNotContain("checkpoint-key.pem", SecretKeys(WorkerSecret));
        // Readable by the owner and the pod's fsGroup only, writable by nobody.
        var mode = item.At("mode")?.GetValue<long>() ?? volume.At("secret.defaultMode")!.GetValue<long>();
        Assert.True((mode & ~0b100_100_000L) == 0, $"the checkpoint key's mode is {Convert.ToString(mode, 8)}: at most 0440");
        Assert.NotNull(PodSpec.At("securityContext.fsGroup"));
        // Never inline: the key's path comes from the ConfigMap and nothing overrides it; no PEM in any applied manifest.
        Assert.DoesNotContain(Container.Arr("env"), e => e!.Str("name")!.StartsWith("Integrity__", StringComparison.Ordinal));
        foreach (var doc in All.Value.Where(d => d.File != "secret.example.yaml").Select(d => d.Doc))
            Assert.DoesNotContain("PRIVATE KEY", doc.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("REPLACE_ME", SecretNamed(CheckpointKeySecret).StringMap("stringData")["checkpoint-key.pem"], StringComparison.Ordinal);
    }

    [Fact]
    public void Workers_write_checkpoints_to_a_shared_PersistentVolumeClaim()
    {
        var directory = Config["Integrity__CheckpointDirectory"];
        var (mount, volume) = MountOf(Container, PodSpec, directory);
        Assert.NotEqual(true, mount.At("readOnly")?.GetValue<bool>());
        Assert.NotEqual(true, volume.At("persistentVolumeClaim.readOnly")?.GetValue<bool>());
        var claimName = volume.Str("persistentVolumeClaim.claimName");
        Assert.NotNull(claimName); // not an emptyDir: the files must outlive the pod
        var claim = Assert.Single(All.Value, d => d.Doc.Str("kind") == "PersistentVolumeClaim" && d.Doc.Str("metadata.name") == claimName);
        // Every replica mounts it at once (and a surge pod during a rollout): ReadWriteMany.
        Assert.True(Deployment.At("spec.replicas")!.GetValue<long>() >= 2);
        Assert.Contains("ReadWriteMany", claim.Doc.Arr("spec.accessModes").Select(m => m!.ToString()));
        Assert.NotNull(claim.Doc.At("spec.resources.requests.storage"));
        var kustomization = Yaml.Load(Repo.Read($"{Dir}/kustomization.yaml"), "kustomization.yaml");
        Assert.Contains(kustomization.Arr("resources"), r => r!.ToString() == claim.File);
        // The root filesystem stays read-only: the claim is the only writable place besides /tmp (memory).
        Assert.Equal(true, Container.At("securityContext.readOnlyRootFilesystem")?.GetValue<bool>());
        Assert.NotEqual("/tmp", mount.Str("mountPath"));
    }

    [Fact]
    public void The_Job_gets_neither_the_checkpoint_key_nor_the_checkpoint_volume()
    {
        var job = Job.ToJsonString();
        Assert.DoesNotContain(CheckpointKeySecret, job, StringComparison.Ordinal);
        Assert.DoesNotContain("Integrity__", job, StringComparison.Ordinal);
        Assert.DoesNotContain(JobPodSpec.Arr("volumes"), v => v!.At("persistentVolumeClaim") is not null || v.At("secret") is not null);
        Assert.Equal(["/tmp"], JobContainer.Arr("volumeMounts").Select(m => m!.Str("mountPath")));
        Assert.Null(JobContainer.At("envFrom")); // the ConfigMap, which names the key, is the workers' alone
    }

    [Fact]
    public void The_upgrade_order_is_written_where_operators_look()
    {
        // Job first, workers after: said in the Job, the Deployment and the kustomization, with the commands.
        foreach (var file in new[] { "migrate-job.yaml", "deployment.yaml", "kustomization.yaml" })
            Assert.Contains("upgrade", Repo.Read($"{Dir}/{file}"), StringComparison.OrdinalIgnoreCase);
        var kustomization = Repo.Read($"{Dir}/kustomization.yaml");
        Assert.Contains("kubectl apply -k deploy/k8s -l app.kubernetes.io/component=migrate", kustomization, StringComparison.Ordinal);
        Assert.Contains("kubectl -n archiver wait --for=condition=complete job/archiver-migrate", kustomization, StringComparison.Ordinal);
        // In this order: the Job alone, the wait for it, then everything (the workers).
        var job = kustomization.IndexOf("-l app.kubernetes.io/component=migrate", StringComparison.Ordinal);
        var wait = kustomization.IndexOf("--for=condition=complete", StringComparison.Ordinal);
        var all = System.Text.RegularExpressions.Regex.Match(kustomization[(wait + 1)..], @"kubectl apply -k deploy/k8s(?! -l)\s");
        Assert.True(job >= 0 && job < wait && all.Success, "kustomization.yaml: the Job, the wait, then `kubectl apply -k deploy/k8s`");
    }
}
