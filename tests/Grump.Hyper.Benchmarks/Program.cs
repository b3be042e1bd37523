using Grump.Hyper.Benchmarks;

// dotnet run -c Release --project tests/Grump.Hyper.Benchmarks -- load [--requests N] [--seconds S] [--concurrency C]
return args.Length > 0 && args[0] == "load"
    ? await LoadTest.RunAsync(args[1..])
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: Grump.Hyper.Benchmarks load [--requests N] [--seconds S] [--concurrency C]");
    return 2;
}
