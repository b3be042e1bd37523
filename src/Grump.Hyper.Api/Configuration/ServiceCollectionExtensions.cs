using Microsoft.Extensions.DependencyInjection.Extensions;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Distribution;
using Grump.Hyper.Api.Jobs;
using Grump.Hyper.Api.Webhooks;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Pipeline;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.Redis.StackExchange;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Configuration;

public static class ServiceCollectionExtensions
{
    /// <summary>Hangfire's keys in Redis; the braces keep them in one Redis Cluster slot.</summary>
    public const string HangfirePrefix = "{grump-hangfire}:";

    /// <summary>The engine, the stores of each kind of state and options. Redis when <c>ConnectionStrings:Hangfire</c> is set, a data folder otherwise.</summary>
    public static IServiceCollection AddHyperCore(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<HyperApiOptions>().BindConfiguration(HyperApiOptions.Section)
            .Validate(o => o.Limits.MaxArchiveBytes > 0 && o.Limits.MaxEntries > 0 && o.RetryAfterSeconds >= 0 && o.Retention > TimeSpan.Zero, "Hyper limits and retention must be positive.")
            .ValidateOnStart();
        // L2 module cache in Redis when ConnectionStrings:Cache is set (its own connection: a cache Redis
        // may evict freely, the Hangfire one must not); without it, L1 in this process only.
        var cache = configuration.GetConnectionString("Cache");
        if (!string.IsNullOrWhiteSpace(cache))
        {
            var cacheOptions = ConfigurationOptions.Parse(cache);
            cacheOptions.AbortOnConnectFail = false;
            services.AddKeyedSingleton<IConnectionMultiplexer>("cache", (_, _) => ConnectionMultiplexer.Connect(cacheOptions));
            services.AddSingleton(sp => new ModuleCache(l2: new RedisModuleStore(sp.GetRequiredKeyedService<IConnectionMultiplexer>("cache"))));
        }
        else
        {
            services.AddSingleton(new ModuleCache());
        }

        services.AddSingleton<HyperCompiler>();
        services.AddOptions<DistributedOptions>().BindConfiguration(DistributedOptions.Section)
            .Validate(o => o.InvisibilityTimeout > TimeSpan.Zero && o.MinFilesPerShard > 0 && o.MaxShards > 0 && o.StateTtl > TimeSpan.Zero, "Hyper:Distributed timeouts and shard limits must be positive.")
            .ValidateOnStart();
        services.AddSingleton<JobFinisher>();
        services.AddSingleton<FanOut>();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<Observability.ApiMetrics>();
        services.AddSingleton<Endpoints.AcceptedUploads>();
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => string.IsNullOrEmpty(o.SigningSecret) || WebhookSigner.TryDecodeSecret(o.SigningSecret, out _), "Webhooks:SigningSecret must be whsec_ + base64 of 24 to 64 bytes.")
            .ValidateOnStart();
        services.AddSingleton<WebhookAddressGuard>();
        services.AddSingleton<WebhookPipelines>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddTransient<WebhookJob>();
        services.AddHttpClient(WebhookJob.HttpClientName, c =>
            {
                c.Timeout = Timeout.InfiniteTimeSpan;
                c.DefaultRequestHeaders.UserAgent.ParseAdd(Observability.OperationsSetup.UserAgent); // receivers can tell the sender apart
            })
            .RemoveAllLoggers() // callback URLs may carry tokens; never log them
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectCallback = sp.GetRequiredService<WebhookAddressGuard>().ConnectAsync,
            });

        var redis = configuration.GetConnectionString("Hangfire");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            var options = ConfigurationOptions.Parse(redis);
            options.AbortOnConnectFail = false;
            options.AllowAdmin = true; // lets the start-up check read maxmemory-policy; nothing here sends destructive commands
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
            AddStorage(services, sp => new RedisStore(sp.GetRequiredService<IConnectionMultiplexer>(),
                sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<HyperApiOptions>>().Value.Retention));
            services.AddSingleton(sp => new ShardStore(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DistributedOptions>>().Value.StateTtl));
            services.AddSingleton(sp => new JobCancellation(sp.GetRequiredService<IConnectionMultiplexer>()));
        }
        else
        {
            services.AddSingleton(new JobCancellation());
            AddStorage(services, sp =>
            {
                var dataPath = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<HyperApiOptions>>().Value.DataPath;
                return new DataFolderStore(Path.IsPathRooted(dataPath) ? dataPath : Path.Combine(contentRoot, dataPath));
            });
        }

        return services;
    }

    /// <summary>
    /// One backend instance serves every kind of state; each kind is registered as its own small interface, so a
    /// consumer asks for the kinds it uses (and a test replaces one kind without the others).
    /// </summary>
    private static void AddStorage<TBackend>(IServiceCollection services, Func<IServiceProvider, TBackend> create)
        where TBackend : class, IJobRecords, ISourceStore, ITenantBlobs, IArtifactStore, IIdempotencyKeyStore, IDeliveryStore, IStorageBackend
    {
        services.AddSingleton(create);
        services.AddSingleton<IJobRecords>(sp => sp.GetRequiredService<TBackend>());
        services.AddSingleton<ISourceStore>(sp => sp.GetRequiredService<TBackend>());
        services.AddSingleton<ITenantBlobs>(sp => sp.GetRequiredService<TBackend>());
        services.AddSingleton<IArtifactStore>(sp => sp.GetRequiredService<TBackend>());
        services.AddSingleton<IIdempotencyKeyStore>(sp => sp.GetRequiredService<TBackend>());
        services.AddSingleton<IDeliveryStore>(sp => sp.GetRequiredService<TBackend>());
        services.AddSingleton<IStorageBackend>(sp => sp.GetRequiredService<TBackend>());
    }

    /// <summary>
    /// Hangfire with this host's own storage instance in DI (never the static JobStorage.Current, so several
    /// hosts can share one process in tests), and, unless this process only serves HTTP, its servers.
    /// </summary>
    public static IServiceCollection AddHyperHangfire(this IServiceCollection services, IConfiguration configuration, bool runServers = true)
    {
        // Read here, before the container exists: the storage and the servers are configured from it.
        var distributed = configuration.GetSection(DistributedOptions.Section).Get<DistributedOptions>() ?? new DistributedOptions();
        var redis = configuration.GetConnectionString("Hangfire");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            services.AddSingleton<JobStorage>(sp => new RedisStorage(sp.GetRequiredService<IConnectionMultiplexer>(), new RedisStorageOptions
            {
                Prefix = HangfirePrefix,
                Db = ConfigurationOptions.Parse(redis).DefaultDatabase ?? 0,
                InvisibilityTimeout = distributed.InvisibilityTimeout,
            }));
            services.AddHostedService<RedisPolicyCheck>();
        }
        else
        {
            // Guid ids: a restarted process must never hand out an id that a job record still names.
            services.AddSingleton<JobStorage>(_ => new InMemoryStorage(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Guid }));
        }

        // Jobs are activated from this host's own container, not from the process-wide JobActivator.Current.
        services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new ResilientLogProvider(sp.GetRequiredService<ILoggerFactory>())));
        services.AddTransient<CompileJob>();
        if (!string.IsNullOrWhiteSpace(redis))
        {
            // Shard and link jobs exist only where fan-out does (Hangfire on Redis, with its ShardStore):
            // registered without it, the container cannot build them, and Development validates every
            // registration at start.
            services.AddTransient<ShardJob>();
            services.AddTransient<LinkJob>();
        }

        services.AddTransient<RetentionJob>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<RetentionSchedule>();
        if (!runServers)
        {
            return services;
        }

        services.AddSingleton<JobWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<JobWatchdog>());

        // One server per kind of work, each with its own workers, so that no kind waits behind another:
        // a tenant's big compiles fill the compile workers but never hold up shards, links or webhooks,
        // and within the shard server links go first, so work already fanned out finishes before more starts.
        var workers = configuration.GetValue<int>($"{HyperApiOptions.Section}:{nameof(HyperApiOptions.WorkerCount)}");
        AddServer(services, "compile", [CompileJob.Queue, "default"], workers > 0 ? workers : Environment.ProcessorCount);
        AddServer(services, "shard", [LinkJob.Queue, ShardJob.Queue], distributed.ShardWorkers > 0 ? distributed.ShardWorkers : Environment.ProcessorCount);
        AddServer(services, "webhook", [WebhookDispatcher.Queue], 2);
        return services;
    }

    private static void AddServer(IServiceCollection services, string kind, string[] queues, int workers) =>
        services.AddHangfireServer((_, server) =>
        {
            server.WorkerCount = workers;
            server.Queues = queues;
            server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:{kind}";
            server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
}
