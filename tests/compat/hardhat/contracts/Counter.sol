// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Hardhat's sample counter, with a reason string (require) and a custom
/// error with arguments, so that both kinds of revert reach the tests.
contract Counter {
    uint256 public x;
    uint256 public constant MAX_STEP = 100;

    event Increment(uint256 by);

    error StepTooLarge(uint256 by, uint256 max);

    function inc() public {
        x++;
        emit Increment(1);
    }

    function incBy(uint256 by) public {
        require(by > 0, "incBy: increment should be positive");
        if (by > MAX_STEP) revert StepTooLarge(by, MAX_STEP);
        x += by;
        emit Increment(by);
    }
}
