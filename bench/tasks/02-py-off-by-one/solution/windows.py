def window_sums(nums, k):
    """Return the sums of every run of k consecutive numbers in nums.

    window_sums([1, 2, 3, 4], 2) == [3, 5, 7]
    """
    sums = []
    for i in range(len(nums) - k + 1):
        sums.append(sum(nums[i:i + k]))
    return sums
