using Grump.Hyper.Benchmarks;

// dotnet run -c Release --project tests/Grump.Hyper.Benchmarks -- [--files N] [--changed F] [--report path]
// dotnet run -c Release --project tests/Grump.Hyper.Benchmarks -- load [--requests N] [--seconds S] [--concurrency C]
// dotnet run -c Release --project tests/Grump.Hyper.Benchmarks -- cluster [--files N]   (API + worker processes on a private redis-server)
// dotnet run -c Release --project tests/Grump.Hyper.Benchmarks -- service [--files N] [--changed F] [--tier T] [--tar gnu|pax] [--documents whole|blocks] [--warm-edits N]   (the service on embedded defaults, POST to succeeded)
// dotnet run -c Release --project tests/Grump.Hyper.Benchmarks -- cold [--files N] [--tier T] [--cli path.dll]...   (a fresh CLI process vs the warmed in-process compile)
// dotnet run -c Release --project tests/Grump.Hyper.Benchmarks -- store [--files N] [--changed F] [--repeat R] [--tier T]   (hash and save of edits' artifacts into a data folder, in-process)
// dotnet run -c Release --project tests/Grump.Hyper.Benchmarks -- profile [--files N] [--tier T] [--repeat R] [--changed F]   (attach dotnet-trace)
return args.Length > 0 && args[0] == "load" ? await LoadTest.RunAsync(args[1..])
    : args.Length > 0 && args[0] == "profile" ? ProfileRun.Run(args[1..])
    : args.Length > 0 && args[0] == "cold" ? ColdProcessBenchmark.Run(args[1..])
    : args.Length > 0 && args[0] == "cluster" ? await ClusterBenchmark.RunAsync(args[1..])
    : args.Length > 0 && args[0] == "service" ? await ServiceBenchmark.RunAsync(args[1..])
    : args.Length > 0 && args[0] == "store" ? await StoreBenchmark.RunAsync(args[1..])
    : CompileBenchmark.Run(args);
