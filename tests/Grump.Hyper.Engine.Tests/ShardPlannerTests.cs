using Grump.Hyper.Engine.Sharding;

namespace Grump.Hyper.Engine.Tests;

public sealed class ShardPlannerTests
{
    [Fact]
    public void Every_file_gets_a_shard_and_the_plan_is_never_worse_than_greedy()
    {
        var random = new Random(3);
        var costs = Enumerable.Range(0, 300).Select(_ => (long)random.Next(1, 5000)).ToArray();
        var plan = ShardPlanner.Plan(costs, 4);
        Assert.Equal(costs.Length, plan.ShardOf.Length);
        Assert.All(plan.ShardOf, s => Assert.InRange(s, 0, 3));
        Assert.Equal(costs.Sum(), plan.ShardCosts.Sum());
        var greedy = plan.Scores.Single(s => s.Planner == "greedy").Makespan;
        Assert.True(plan.Makespan <= greedy);
        Assert.Single(plan.Scores, s => s.Chosen);
        Assert.Equal(["greedy", "annealing", "genetic", "swarm"], plan.Scores.Select(s => s.Planner));
        // A makespan can never beat the average load or the largest single file.
        Assert.True(plan.Makespan >= Math.Max(costs.Max(), (costs.Sum() + 3) / 4));
    }

    [Fact]
    public void The_same_costs_give_the_same_plan()
    {
        var costs = Enumerable.Range(1, 100).Select(i => (long)(i * 37 % 101)).ToArray();
        Assert.Equal(ShardPlanner.Plan(costs, 3).ShardOf, ShardPlanner.Plan(costs, 3).ShardOf);
    }

    [Fact]
    public void Greedy_places_the_largest_first_on_the_lightest_shard()
    {
        Assert.Equal([0, 1, 1], ShardPlanner.Greedy([10, 6, 5], 2));
    }
}
