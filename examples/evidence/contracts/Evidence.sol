// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Evidence
/// @notice A notary for documents.  Anyone submits the hash of a document
/// (its keccak256 or SHA-256, computed off chain: the document itself never
/// goes on chain) with a short note.  The contract keeps who submitted it and
/// when, once: the first submission of a hash is the one that counts.
contract Evidence {
    struct Record {
        address submitter;
        uint256 timestamp;
        string note;
    }

    mapping(bytes32 => Record) private records;
    uint256 public count;

    event Notarized(bytes32 indexed docHash, address indexed submitter, uint256 timestamp);

    /// `docHash` was notarized already, by `submitter` at `timestamp`.
    error AlreadyNotarized(bytes32 docHash, address submitter, uint256 timestamp);
    /// The zero hash names no document.
    error EmptyHash();

    /// Records that the caller held the document hashing to `docHash` now.
    function notarize(bytes32 docHash, string calldata note) external {
        if (docHash == bytes32(0)) revert EmptyHash();
        Record storage r = records[docHash];
        if (r.submitter != address(0)) revert AlreadyNotarized(docHash, r.submitter, r.timestamp);
        r.submitter = msg.sender;
        r.timestamp = block.timestamp;
        r.note = note;
        count += 1;
        emit Notarized(docHash, msg.sender, block.timestamp);
    }

    /// What is known about `docHash`; all zero when it was never notarized.
    function verify(bytes32 docHash)
        external
        view
        returns (bool exists, address submitter, uint256 timestamp, string memory note)
    {
        Record storage r = records[docHash];
        return (r.submitter != address(0), r.submitter, r.timestamp, r.note);
    }
}
