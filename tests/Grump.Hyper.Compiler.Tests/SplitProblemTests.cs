using System.Collections.Immutable;
using CsCheck;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The fast reads of a split problem agree with the plain ones: which common chunks each route loads
/// (bitsets vs route by route), and the greedy partition (moves scored by what they change vs every
/// candidate partition scored whole).
/// </summary>
public sealed class SplitProblemTests
{
    private static SplitProblem Problem(int routes, int[][] consumers, int maxInitialChunks, int minChunkBytes, int[]? fixedChunks = null)
    {
        string Root(int i) => $"root{i:000}"; // roots past the routes' are lazy roots: consumers that load nothing up front
        var routeRoots = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, Enumerable.Range(0, routes).Select(r => KeyValuePair.Create($"/r{r:000}", Root(r))));
        var groups = consumers.Select((c, g) => new SharedGroup([$"m{g}"], [.. c.Distinct().Order().Select(Root)], 100 + (37 * g % 400))).ToImmutableArray();
        return new SplitProblem(groups,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, routeRoots.Keys.Select(r => KeyValuePair.Create(r, 0L))),
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, routeRoots.Keys.Select((r, i) => KeyValuePair.Create(r, fixedChunks?[i] ?? 1))),
            routeRoots,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, routeRoots.Select(r => KeyValuePair.Create(r.Key, ImmutableArray.Create(r.Value)))),
            new SplitSettings(minChunkBytes, maxInitialChunks, 30));
    }

    [Fact]
    public void Greedy_meets_the_limits_exactly_when_some_partition_does()
    {
        // Routes with fixed chunks (their own and the roots they load) from one to two over the limit.
        // Every route's fixed chunks within the limit, or (half the problems) one route's over it.
        var problems = Gen.Int[1, 40].SelectMany(routes => Gen.Select(Gen.Int[0, routes + 4].Array[1, 8].Array[1, 40], Gen.Int[1, 6], Gen.Int[50, 450], Gen.Int[0, 8].Array[routes], Gen.Bool,
            (consumers, limit, minBytes, extra, over) => (routes, consumers, limit, minBytes, extra, over)));
        int feasible = 0, infeasible = 0;
        problems.Sample(p =>
        {
            var fixedChunks = p.extra.Select(e => 1 + (e * (p.limit - 1) / 8)).ToArray();
            if (p.over)
            {
                fixedChunks[p.extra[0] % p.routes] = p.limit + 1 + (p.extra[0] % 2);
            }

            var problem = Problem(p.routes, p.consumers, p.limit, p.minBytes, fixedChunks);
            var greedy = GreedyPartitioner.Instance.Partition(problem);
            Assert.Equal(problem.Feasible, problem.IsValid(greedy));
            var copyAll = new ChunkPartition([.. problem.Groups.Select(_ => ChunkPartition.Duplicate)]);
            Assert.Equal(problem.Feasible, problem.IsValid(copyAll)); // the witness: no common chunk at all
            (problem.Feasible ? ref feasible : ref infeasible)++;
        }, iter: 400, seed: "4kQ9zR2mW7Xa", threads: 1);
        Assert.True(feasible > 50 && infeasible > 50, $"{feasible} feasible, {infeasible} infeasible");
    }

    [Fact]
    public void The_fast_greedy_partition_equals_the_one_that_scores_every_candidate_whole()
    {
        var problems = Gen.Int[1, 70].SelectMany(routes => Gen.Select(Gen.Int[0, routes + 4].Array[1, 8].Array[1, 40], Gen.Int[1, 6], Gen.Int[50, 450],
            (consumers, limit, minBytes) => (routes, consumers, limit, minBytes)));
        var merged = 0; // problems where greedy made at least one move
        problems.Sample(p =>
        {
            var problem = Problem(p.routes, p.consumers, p.limit, p.minBytes);
            var fast = GreedyPartitioner.Instance.Partition(problem);
            Assert.Equal(ReferenceGreedy.Instance.Partition(problem).Assignment, fast.Assignment);
            var start = problem.Groups.Select((g, i) => g.Bytes >= p.minBytes ? i : ChunkPartition.Duplicate);
            merged += start.SequenceEqual(fast.Assignment) ? 0 : 1;
        }, iter: 300, seed: "7hT2bN5xQ0Lc", threads: 1);
        Assert.True(merged > 20, $"only {merged} problems needed a merge or a copy"); // the moves were exercised
    }

    [Fact]
    public void One_pass_scoring_with_a_reused_scratch_equals_the_objective_and_the_limits_read_route_by_route()
    {
        // Up to 130 routes (three words of bitsets), random groups and limits, several random partitions of each
        // problem scored through one scratch, so a value left behind by the call before would show; the scratch is the
        // thread's spare, handed from problem to problem of other sizes as from build to build.
        var problems = Gen.Int[1, 130].SelectMany(routes => Gen.Int[1, 40].SelectMany(groups =>
            Gen.Select(Gen.Int[0, routes + 4].Array[1, 6].Array[groups], Gen.Int[-1, groups - 1].Array[groups].Array[1, 6], Gen.Int[1, 6], Gen.Int[50, 450],
                (consumers, assignments, limit, minBytes) => (routes, consumers, assignments, limit, minBytes))));
        var broken = 0;
        problems.Sample(p =>
        {
            var problem = Problem(p.routes, p.consumers, p.limit, p.minBytes);
            var scratch = problem.RentScratch();
            foreach (var assignment in p.assignments)
            {
                var partition = new ChunkPartition([.. assignment]);
                var expected = (problem.ReferenceObjective(partition), problem.ReferenceViolations(partition));
                Assert.Equal(expected, problem.Score(assignment, scratch));
                broken += expected.Item2 > 0 ? 1 : 0;
            }

            SplitProblem.Return(scratch);
        }, iter: 300, seed: "4kQ9vW2mZ7Hd", threads: 1);
        Assert.True(broken > 50, $"only {broken} partitions broke a limit"); // the violation counts were exercised
    }

    [Fact]
    public void A_spare_scratch_serves_a_later_problem_only_when_large_enough_for_it()
    {
        // One route word, then three: the same number of groups, so only the route bitsets tell the sizes apart.
        var all = Enumerable.Range(0, 40).ToArray();
        var small = Problem(1, [.. all.Select(g => new[] { 0, 1 + g })], 3, 150); // lazy roots past the route: forty groups
        var large = Problem(130, [.. all.Select(g => new[] { g, 129 - g, 64 })], 3, 150);
        var assignment = all.Select(g => g / 2).ToArray();
        Assert.Equal(large.Groups.Length, small.Groups.Length);
        var spare = small.RentScratch();
        small.Score(assignment, spare);
        SplitProblem.Return(spare);
        var scratch = large.RentScratch();
        var partition = new ChunkPartition([.. assignment]);
        Assert.Equal((large.ReferenceObjective(partition), large.ReferenceViolations(partition)), large.Score(assignment, scratch));
        SplitProblem.Return(scratch);
        Assert.Same(scratch, small.RentScratch()); // the large one serves the small problem
    }

    [Fact]
    public void The_chunks_each_route_loads_read_from_the_bitsets_equal_the_chunks_found_route_by_route()
    {
        // Up to 130 routes, so the route bitsets span three words; groups shared by random sets of roots; random partitions.
        var problems = Gen.Int[1, 130].SelectMany(routes => Gen.Int[1, 40].SelectMany(groups =>
            Gen.Select(Gen.Int[0, routes + 4].Array[1, 6].Array[groups], Gen.Int[-1, groups - 1].Array[groups], (consumers, assignment) => (routes, consumers, assignment))));
        problems.Sample(p =>
        {
            var (routes, consumers, assignment) = p;
            var problem = Problem(routes, consumers, 3, 150);
            var partition = new ChunkPartition([.. assignment]);
            var loaded = problem.LoadedChunks(partition);
            var index = 0;
            foreach (var (route, root) in problem.RouteRoots)
            {
                Assert.Equal(problem.CommonChunksLoaded(root, partition).Order(), loaded[index]);
                Assert.Equal(problem.InitialChunks(route, partition), problem.FixedChunks(index) + loaded[index].Length);
                index++;
            }
        }, iter: 300, seed: "3kP8Zq1Rv6Wm");
    }
}
