// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// An OpenZeppelin ERC-20 whose owner may mint: OpenZeppelin's own custom
/// errors (ERC20InsufficientBalance, OwnableUnauthorizedAccount) come back
/// from a transfer over the balance and from a mint by someone else.
contract Token is ERC20, Ownable {
    constructor(uint256 supply) ERC20("Chainbox Hardhat Token", "CHT") Ownable(msg.sender) {
        _mint(msg.sender, supply);
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
