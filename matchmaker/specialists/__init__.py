"""服务专员, 科技镇长团 members and 技术经纪人: who serves which enterprise, the visits they make,
the needs they find there (confirmed by the enterprise before anything is published), how they
grade them, the pairings they broker and what came of them."""
