using Grump.Hyper.Api.Tests.Infrastructure;

[assembly: AssemblyFixture(typeof(RedisFixture))]
