"""A realistic (fictional) demo set a newcomer can click through, built through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from matchmaker import policy, search
from matchmaker.accounts import creditcode
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgType
from matchmaker.agreements import counting
from matchmaker.agreements import operations as agreements
from matchmaker.agreements import plans as plan_service
from matchmaker.agreements.models import Indicator
from matchmaker.agreements.values import AgreementType, PartySide, PartyType, Registration
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.followups import operations as followups
from matchmaker.followups.values import FollowUpAnswer
from matchmaker.pairings import operations as pairings
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings import operations as postings
from matchmaker.postings.models import Posting
from matchmaker.postings.values import CloseReason, IPStatus, Maturity, PostingKind, PostingStatus, Visibility
from matchmaker.subscriptions import operations as subscriptions
from matchmaker.subscriptions.values import Basis, Frequency
from matchmaker.taxonomy.models import EnterpriseTier, TechField, Town

DEMO_PASSWORD = "demo12345"
BUREAU_EMAIL = "gxj@demo-baoying.cn"


@dataclass
class DemoOrg:
    key: str
    name: str
    type: OrgType
    town: str | None
    email: str
    person: str
    phone: str
    verified: bool = True
    description: str = ""


TIERS = {  # 企业梯度 of the demo enterprises
    "dianqi": "省级专精特新中小企业",
    "shipin": "市级专精特新中小企业",
    "cailiao": "国家级专精特新“小巨人”",
    "jixie": "省级专精特新中小企业",
    "guangfu": "创新型中小企业",
}

ORGS = [
    DemoOrg("gxj", "宝应县工业和信息化局", OrgType.BUREAU, None, BUREAU_EMAIL, "王科长", "0514-88210001"),
    DemoOrg(
        "kjj", "宝应县科学技术局", OrgType.BUREAU, None, "kjj@demo-baoying.cn", "李科长", "0514-88210002"
    ),
    DemoOrg(
        "dianqi",
        "扬州宝能电气设备有限公司",
        OrgType.ENTERPRISE,
        "宝应经济开发区",
        "dianqi@demo-baoying.cn",
        "陈经理",
        "13805250001",
        description="主营箱式变电站、高低压开关柜，省级专精特新中小企业。",
    ),
    DemoOrg(
        "shipin",
        "宝应县荷香食品有限公司",
        OrgType.ENTERPRISE,
        "射阳湖镇",
        "shipin@demo-baoying.cn",
        "周厂长",
        "13805250002",
        description="荷藕、莲子深加工，年加工鲜藕3万吨。",
    ),
    DemoOrg(
        "cailiao",
        "江苏宝源新材料科技有限公司",
        OrgType.ENTERPRISE,
        "安宜镇",
        "cailiao@demo-baoying.cn",
        "吴总工",
        "13805250003",
        description="锂电池隔膜与功能涂层材料。",
    ),
    DemoOrg(
        "jixie",
        "扬州精工数控机械有限公司",
        OrgType.ENTERPRISE,
        "范水镇",
        "jixie@demo-baoying.cn",
        "孙主任",
        "13805250004",
        description="数控机床零部件、精密加工。",
    ),
    DemoOrg(
        "guangfu",
        "宝应县柳堡光伏科技有限公司",
        OrgType.ENTERPRISE,
        "柳堡镇",
        "guangfu@demo-baoying.cn",
        "郑经理",
        "13805250005",
        verified=False,
        description="光伏支架与组件安装（新注册，待认证）。",
    ),
    DemoOrg(
        "zhongxin",
        "扬州科创技术转移服务中心",
        OrgType.AGENCY,
        None,
        "jsjl@demo-kczx.cn",
        "马经纪人",
        "13905250009",
        description="技术转移服务机构 · 技术经纪人",
    ),
    DemoOrg(
        "daxue",
        "江淮理工大学",
        OrgType.UNIVERSITY,
        None,
        "kjc@demo-jhlg.edu.cn",
        "刘老师",
        "0514-87970001",
        description="科技处 · 技术转移中心",
    ),
    DemoOrg(
        "nongke",
        "扬州农业科学研究院",
        OrgType.INSTITUTE,
        None,
        "zhuanhua@demo-yznky.cn",
        "赵研究员",
        "0514-87970002",
    ),
    DemoOrg(
        "yanjiuyuan",
        "宝应智能制造研究院",
        OrgType.NEW_RD,
        None,
        "ir@demo-byzz.cn",
        "钱博士",
        "0514-87970003",
        description="县校共建新型研发机构。",
    ),
]


@dataclass
class DemoPosting:
    org: str
    kind: PostingKind
    title: str
    description: str
    keywords: str
    field: str
    state: str = "published"  # draft | pending | returned | published | closed
    modes: tuple[str, ...] = ()
    budget: int | None = None
    maturity: Maturity | None = None
    ip: IPStatus | None = None
    visibility: Visibility = Visibility.PUBLIC
    confidential: str | None = None


RD, SN, SO, RO = (
    PostingKind.RD_NEED,
    PostingKind.SUPPLY_NEED,
    PostingKind.SUPPLY_OFFER,
    PostingKind.RESEARCH_OUTCOME,
)
P = DemoPosting
POSTINGS = [
    P(
        "dianqi",
        RD,
        "箱式变电站温升在线监测与故障预警",
        "现有箱变仅靠温控器报警，无法提前发现接头过热。希望开发基于无线测温和边缘计算的在线监测系统，"
        "测温精度±1℃，预警准确率90%以上，可接入县电力物联网平台。",
        "箱式变电站、在线监测、边缘计算、故障预警",
        "电子信息",
        modes=("joint_dev", "commissioned_dev"),
        budget=80,
        confidential="已有试点客户：某220kV变电站配套项目。",
    ),
    P(
        "dianqi",
        RD,
        "开关柜局部放电检测算法优化",
        "采用超声波与特高频联合检测，现有算法误报率约15%，需要降到5%以下，并能区分电晕、悬浮和沿面放电类型。",
        "局部放电、特高频、模式识别",
        "电子信息",
        modes=("joint_dev",),
        budget=50,
        state="pending",
    ),
    P(
        "dianqi",
        SN,
        "采购环氧树脂浇注绝缘件（年需求2万件）",
        "需要10kV固封极柱及绝缘套管，局放≤5pC，耐压42kV/1min，年需求约2万件，要求就近配套、两周交货。",
        "环氧树脂、绝缘件、固封极柱",
        "先进制造",
        modes=("service",),
        budget=300,
    ),
    P(
        "dianqi",
        SO,
        "可提供钣金加工与静电喷涂产能",
        "拥有数控转塔冲、折弯机、激光切割及静电喷涂线，月余量约800吨钣金件，可承接机柜、箱体类加工。",
        "钣金加工、静电喷涂、激光切割",
        "先进制造",
        modes=("service",),
    ),
    P(
        "shipin",
        RD,
        "鲜切荷藕褐变控制与保鲜技术",
        "鲜切藕片常温2天即褐变，希望在不使用亚硫酸盐的前提下，将冷链货架期延长到15天以上，成本增加不超过每公斤0.3元。",
        "荷藕、褐变、保鲜、冷链",
        "农业",
        modes=("transfer", "joint_dev"),
        budget=40,
    ),
    P(
        "shipin",
        RD,
        "藕渣综合利用：膳食纤维提取工艺",
        "每年产生藕渣约5000吨，目前作饲料低价处理。希望开发膳食纤维提取和改性工艺，得率20%以上，适合中试放大。",
        "藕渣、膳食纤维、综合利用",
        "农业",
        modes=("joint_dev",),
        budget=60,
        state="returned",
    ),
    P(
        "shipin",
        SN,
        "采购藕粉自动化包装线",
        "需要粉体定量包装线，5–500克可调，计量误差±1%，每分钟60袋以上，带金属检测。",
        "自动包装、粉体计量",
        "先进制造",
        budget=120,
        state="draft",
    ),
    P(
        "shipin",
        SO,
        "供应速冻藕片、莲子等原料",
        "可稳定供应速冻藕片、藕丁、鲜莲子，年供应能力1.5万吨，通过HACCP认证，可定制切型。",
        "速冻藕片、莲子、原料供应",
        "农业",
        modes=("service",),
    ),
    P(
        "cailiao",
        RD,
        "锂电池隔膜陶瓷涂覆均匀性提升",
        "水性陶瓷涂覆隔膜在高速涂布（80m/min）时面密度波动±8%，需控制在±3%以内，并降低掉粉。",
        "锂电池隔膜、陶瓷涂覆、涂布",
        "新材料及其应用",
        modes=("joint_dev", "commissioned_dev"),
        budget=100,
        maturity=None,
        confidential="主要客户为两家动力电池企业，涉及配方参数。",
        visibility=Visibility.MEMBERS,
    ),
    P(
        "cailiao",
        RD,
        "固态电池用复合电解质膜制备",
        "布局固态电池材料，寻求聚合物-无机复合电解质膜的实验室工艺和中试合作，室温离子电导率≥1×10⁻⁴ S/cm。",
        "固态电池、电解质膜、复合材料",
        "新能源与高效节能",
        modes=("joint_dev", "joint_platform"),
        budget=200,
    ),
    P(
        "cailiao",
        SO,
        "提供湿法隔膜来料检测服务",
        "具备孔隙率、透气度、热收缩、穿刺强度等检测能力，可对外提供检测服务。",
        "隔膜检测、孔隙率、透气度",
        "新材料及其应用",
        modes=("service",),
        state="closed",
    ),
    P(
        "jixie",
        RD,
        "数控机床主轴热变形补偿",
        "加工中心连续运行4小时后主轴热伸长约30μm，影响批量件精度。希望开发基于温度传感的热误差建模与实时补偿，"
        "补偿后误差≤8μm。",
        "热变形、误差补偿、数控机床、主轴",
        "先进制造",
        modes=("joint_dev", "consulting"),
        budget=45,
    ),
    P(
        "jixie",
        SN,
        "寻求高精度滚珠丝杠本地配套",
        "需要C3级滚珠丝杠，直径16–40毫米，年用量约3000根，希望在县内或周边实现配套。",
        "滚珠丝杠、精密传动",
        "先进制造",
        budget=90,
    ),
    P(
        "jixie",
        SO,
        "承接精密零部件五轴加工",
        "拥有五轴加工中心6台、三坐标测量机，可承接航空、汽车零部件精密加工，精度±0.01mm。",
        "五轴加工、精密零部件、0.01mm",
        "先进制造",
        modes=("service",),
    ),
    P(
        "guangfu",
        RD,
        "光伏支架抗风结构优化",
        "沿海地区光伏支架需抗14级风，希望在保证强度的前提下降低用钢量10%。",
        "光伏支架、抗风、结构优化",
        "新能源与高效节能",
        state="draft",
    ),
    P(
        "daxue",
        RO,
        "基于无线测温的电力设备状态监测系统",
        "研制了无源无线温度传感器与边缘网关，测温精度±0.5℃，已在3个变电站试运行，支持故障预警与寿命评估。",
        "无线测温、状态监测、边缘计算、电力设备",
        "电子信息",
        modes=("license", "joint_dev"),
        budget=60,
        maturity=Maturity.PILOT,
        ip=IPStatus.GRANTED,
    ),
    P(
        "daxue",
        RO,
        "机床热误差建模与补偿技术",
        "提出基于关键温度点优化的热误差模型，可嵌入主流数控系统，实测补偿后精度提升70%以上。",
        "热误差、补偿、数控系统",
        "先进制造",
        modes=("transfer", "consulting"),
        budget=30,
        maturity=Maturity.SMALL_PILOT,
        ip=IPStatus.GRANTED,
    ),
    P(
        "daxue",
        RO,
        "高速涂布在线面密度检测与闭环控制",
        "采用β射线与机器视觉融合的面密度在线检测，配合模头闭环调节，面密度波动可控制在±2%。",
        "涂布、面密度、机器视觉、闭环控制",
        "新材料及其应用",
        modes=("joint_dev", "license"),
        maturity=Maturity.PILOT,
        ip=IPStatus.APPLIED,
    ),
    P(
        "daxue",
        RO,
        "特高频局部放电模式识别算法",
        "基于深度学习的局放类型识别算法，识别准确率96%，误报率低于3%。",
        "局部放电、深度学习、模式识别",
        "电子信息",
        modes=("license", "service"),
        maturity=Maturity.LAB,
        ip=IPStatus.APPLIED,
        state="pending",
    ),
    P(
        "nongke",
        RO,
        "鲜切果蔬天然抗褐变保鲜剂",
        "以植物提取物复配的抗褐变剂，替代亚硫酸盐，鲜切藕、马铃薯冷藏货架期可达18天。",
        "抗褐变、保鲜剂、鲜切果蔬",
        "农业",
        modes=("transfer", "license"),
        budget=25,
        maturity=Maturity.PILOT,
        ip=IPStatus.GRANTED,
    ),
    P(
        "nongke",
        RO,
        "水生蔬菜加工副产物高值化利用",
        "藕渣、菱角壳中膳食纤维与多酚联产工艺，膳食纤维得率25%，已完成中试。",
        "膳食纤维、副产物、高值化",
        "农业",
        modes=("transfer", "joint_dev"),
        maturity=Maturity.PILOT,
        ip=IPStatus.APPLIED,
    ),
    P(
        "nongke",
        RO,
        "荷藕新品种“宝荷3号”",
        "高产优质浅水藕新品种，亩产较常规品种增产15%，适宜里下河地区种植。",
        "荷藕、新品种、种植",
        "农业",
        modes=("license",),
        maturity=Maturity.PRODUCTION,
        state="draft",
    ),
    P(
        "yanjiuyuan",
        RO,
        "工业互联网设备数据采集网关",
        "兼容Modbus、OPC UA等20余种协议，支持5G与Wi-Fi 6接入，已在10余家企业部署。",
        "工业互联网、数据采集、5G、Wi-Fi 6",
        "电子信息",
        modes=("service", "license"),
        maturity=Maturity.PRODUCTION,
        ip=IPStatus.GRANTED,
    ),
    P(
        "yanjiuyuan",
        RO,
        "协作机器人柔性上下料工作站",
        "视觉引导协作机器人上下料，换型时间小于10分钟，适合多品种小批量机加工车间。",
        "协作机器人、柔性制造、机器视觉",
        "先进制造",
        modes=("joint_dev", "service"),
        budget=35,
        maturity=Maturity.SMALL_PILOT,
        visibility=Visibility.BUREAU,
    ),
]


@dataclass(frozen=True)
class DemoPairing:
    """An interest shown by ``by`` (an organisation key, or the bureau introducing ``own``) in the
    posting titled ``target``, then moved to ``state`` with the conversation in ``messages``
    (alternating, the answering side first)."""

    by: str
    target: str
    own: str | None
    state: PairingState
    message: str
    messages: tuple[str, ...] = ()
    reason: DeclineReason | None = None
    note: str | None = None
    introduced: bool = False


PAIRINGS = [
    DemoPairing(
        "daxue",
        "箱式变电站温升在线监测与故障预警",
        "基于无线测温的电力设备状态监测系统",
        PairingState.SIGNED,
        "我校的无线测温监测系统已在多个配电房运行，测温精度和预警模型可以满足贵司的指标，希望合作开发。",
        (
            "能否先在我们厂的两台箱变上试装一个月？",
            "可以，下周二带设备过来，预计半天装完。",
            "试装数据很好，合同草稿已发您邮箱，请看看技术附件。",
            "已确认，双方盖章后寄回。",
        ),
        note="签订技术开发合同，首期合同额28万元。",
    ),
    DemoPairing(
        "daxue",
        "数控机床主轴热变形补偿",
        "机床热误差建模与补偿技术",
        PairingState.NEGOTIATING,
        "我们的热误差建模方法实测可减少七成热变形误差，可嵌入贵司使用的数控系统。",
        (
            "我们主要是立式加工中心，想先了解需要布置几个温度测点。",
            "一般8到12个，我们可以先做一次现场测试来优化测点。",
            "好的，价格和知识产权归属想当面谈一次。",
        ),
    ),
    DemoPairing(
        "nongke",
        "鲜切荷藕褐变控制与保鲜技术",
        "鲜切果蔬天然抗褐变保鲜剂",
        PairingState.CONTACTED,
        "我院的植物源抗褐变保鲜剂不含亚硫酸盐，在鲜切藕片上冷藏货架期已做到18天，成本可控。",
        ("请寄两公斤样品，我们在生产线上做对比试验。",),
    ),
    DemoPairing(
        "daxue",
        "锂电池隔膜陶瓷涂覆均匀性提升",
        "高速涂布在线面密度检测与闭环控制",
        PairingState.INTERESTED,
        "我们的在线面密度检测与闭环控制已在80m/min涂布线上把波动控制在±2.5%，希望了解贵司的设备情况。",
    ),
    DemoPairing(
        "yanjiuyuan",
        "箱式变电站温升在线监测与故障预警",
        "工业互联网设备数据采集网关",
        PairingState.DECLINED,
        "我院的数据采集网关可以把箱变监测数据接入县电力物联网平台。",
        reason=DeclineReason.HAS_PARTNER,
        note="已与江淮理工大学合作开发，数据接入时再联系贵院。",
    ),
    DemoPairing(
        "yanjiuyuan",
        "锂电池隔膜陶瓷涂覆均匀性提升",
        "工业互联网设备数据采集网关",
        PairingState.FAILED,
        "可以用我们的网关采集涂布线工艺数据，为均匀性分析提供基础。",
        ("请报一个涂布线20个点位的整体方案价格。", "方案和报价已上传，请查收。"),
        note="报价超出预算，企业决定先用现有设备改造。",
    ),
    DemoPairing(
        "yanjiuyuan",
        "承接精密零部件五轴加工",
        "协作机器人柔性上下料工作站",
        PairingState.INTERESTED,
        "宝应智能制造研究院的协作机器人上下料工作站适合多品种小批量加工，可提升贵司五轴加工中心的开机率，建议双方对接。",
        introduced=True,
    ),
]


@dataclass(frozen=True)
class DemoAgreement:
    """An agreement between demo organisations (keys: the first buys, the rest sell), recorded by
    ``by`` and taken to ``status``; ``pairing`` names the demo pairing it came from (its target)."""

    by: str
    parties: tuple[str, ...]
    type: AgreementType
    title: str
    signed_on: date
    status: str = "verified"
    amount: int | None = None
    tech: int | None = None
    number: str | None = None
    pairing: str | None = None
    note: str | None = None


A = AgreementType


def _earlier_this_year(days: int) -> date:
    """``days`` ago, but not before the first of January of this year (site time zone)."""
    today = clock.today()
    return max(date(today.year, 1, 1), today - timedelta(days=days))


FIELD_OF = {"dianqi": "电子信息", "shipin": "农业", "cailiao": "新材料及其应用", "jixie": "先进制造"}
AGREEMENTS = [
    DemoAgreement(
        "dianqi",
        ("dianqi", "daxue"),
        A.TECH_DEV_COMMISSIONED,
        "配电设备温升监测技术开发合同",
        date(2023, 4, 18),
        amount=35,
        tech=30,
        number="2023320100000118",
    ),
    DemoAgreement("shipin", ("shipin", "nongke"), A.IUR, "荷藕精深加工产学研合作框架协议", date(2023, 5, 10)),
    DemoAgreement(
        "shipin",
        ("shipin", "nongke"),
        A.TECH_SERVICE,
        "鲜切藕片保鲜工艺技术服务合同",
        date(2023, 7, 6),
        amount=12,
        tech=12,
    ),
    DemoAgreement(
        "cailiao",
        ("cailiao", "daxue"),
        A.TECH_TRANSFER,
        "隔膜涂覆在线检测专利转让合同",
        date(2023, 9, 20),
        amount=60,
        tech=55,
        number="2023320100000342",
    ),
    DemoAgreement(
        "jixie",
        ("dianqi", "jixie"),
        A.NEW_PRODUCT,
        "五轴加工中心热补偿数控系统推广应用",
        date(2023, 11, 2),
        amount=180,
    ),
    DemoAgreement(
        "cailiao", ("cailiao",), A.INNOVATION_PLAN, "固态电解质膜中试企业重点技术创新计划", date(2023, 12, 15)
    ),
    DemoAgreement(
        "dianqi",
        ("dianqi", "yanjiuyuan"),
        A.TECH_LICENSE,
        "设备数据采集网关软件许可合同",
        date(2024, 3, 12),
        amount=20,
        tech=20,
    ),
    DemoAgreement(
        "jixie",
        ("jixie", "daxue"),
        A.TECH_DEV_COOPERATIVE,
        "主轴热误差补偿联合开发合同",
        date(2024, 6, 28),
        amount=48,
        tech=40,
    ),
    # The same contract, recorded again by 科技局: flagged, counted once.
    DemoAgreement(
        "kjj",
        ("jixie", "daxue"),
        A.TECH_DEV_COOPERATIVE,
        "精工数控与江淮理工热误差补偿合作开发",
        date(2024, 6, 28),
        amount=48,
        tech=40,
    ),
    DemoAgreement(
        "cailiao",
        ("cailiao", "yanjiuyuan"),
        A.TECH_SERVICE,
        "涂布线工艺数据采集技术服务",
        date(2024, 8, 1),
        amount=8,
        status="deleted",
        note="与线下合同重复录入",
    ),
    DemoAgreement(
        "shipin",
        ("shipin", "nongke"),
        A.TECH_CONSULTING,
        "藕渣膳食纤维提取工艺技术咨询",
        date(2024, 10, 9),
        amount=5,
        status="returned",
        note="请上传盖章后的合同扫描件，并补填技术交易额。",
    ),
    DemoAgreement(
        "cailiao",
        ("cailiao", "daxue"),
        A.TECH_DEV_COMMISSIONED,
        "高速涂布面密度闭环控制技术开发合同",
        date(2025, 4, 22),
        amount=75,
        tech=70,
    ),
    DemoAgreement(
        "jixie",
        ("jixie", "yanjiuyuan"),
        A.IUR,
        "智能制造产学研合作协议",
        date(2025, 6, 18),
        status="confirmed",
    ),
    DemoAgreement(
        "dianqi",
        ("dianqi", "daxue"),
        A.TECH_SERVICE,
        "开关柜局放检测技术服务合同",
        date(2025, 9, 3),
        amount=15,
        tech=15,
        status="recorded",
    ),
    DemoAgreement(
        "shipin",
        ("shipin", "nongke"),
        A.NEW_PRODUCT,
        "天然抗褐变保鲜鲜切藕推广应用",
        date(2025, 10, 20),
        amount=60,
    ),
    DemoAgreement(
        "dianqi",
        ("dianqi", "daxue"),
        A.TECH_DEV_COMMISSIONED,
        "箱式变电站无线测温监测系统开发合同",
        clock.today(),
        amount=28,
        tech=25,
        pairing="箱式变电站温升在线监测与故障预警",
    ),
    # This year's, so the dashboard's default view (the plan in force, this year) has verified
    # agreements of more than one indicator to click through.
    DemoAgreement(
        "jixie",
        ("jixie", "yanjiuyuan"),
        A.IUR,
        "数控机床热误差补偿产学研合作协议",
        _earlier_this_year(60),
        amount=40,
        tech=36,
    ),
    DemoAgreement(
        "cailiao",
        ("cailiao", "daxue"),
        A.TECH_TRANSFER,
        "固态电解质膜制备专利技术转让合同",
        _earlier_this_year(90),
        amount=120,
        tech=120,
    ),
]

RETURN_REASON = "描述过于笼统：请补充现有藕渣成分、目标产品用途和期望得率的依据，便于高校院所评估。"


def _credit_code(serial: int) -> str:
    """A checksum-valid demo credit code in Baoying's region (321023)."""
    first17 = f"91321023MA{serial:07d}"
    return first17 + creditcode.check_digit(first17)


def _term(model: type[TechField] | type[Town] | type[EnterpriseTier], name: str | None) -> Any:
    return db.session.scalar(select(model).where(model.name == name)) if name else None


@dataclass
class DemoReport:
    """What loading the demo set did, in words for the command's output."""

    created: list[str] = field(default_factory=list)  # organisations created with their demo user
    reused: list[str] = field(default_factory=list)  # existing organisations a demo user joined
    skipped: list[str] = field(default_factory=list)  # left alone, and why
    postings: int = 0
    pairings: int = 0
    agreements: int = 0
    calls: int = 0
    events: int = 0
    visits: int = 0
    subscriptions: int = 0
    plan: str | None = None  # the demo plan created for today's years

    @property
    def wrote_anything(self) -> bool:
        return bool(self.created or self.reused or self.postings)


def _create_orgs(report: DemoReport) -> dict[str, User]:
    """The demo organisations and their users. An organisation that already exists (e.g. the
    bureau created with `create-user` first) is reused when it is a bureau and of the right
    type; any other existing organisation is real data: it gets no demo user and no postings."""
    users: dict[str, User] = {}
    for serial, spec in enumerate(ORGS, start=1):
        existing_user = accounts.find_user_by_email(spec.email)
        if existing_user is not None:
            users[spec.key] = existing_user
            report.skipped.append(f"{spec.email}：账号已存在，保留原样")
            continue
        org = accounts.find_organization(spec.name)
        if org is not None and (org.type is not spec.type or spec.type is not OrgType.BUREAU):
            report.skipped.append(f"{spec.name}：单位已存在（非演示数据），不写入演示账号和信息")
            continue
        if org is None:
            code = _credit_code(serial) if spec.type is OrgType.ENTERPRISE else None
            if code and db.session.scalar(select(Organization.id).where(Organization.credit_code == code)):
                code = None
            org = Organization(
                name=spec.name,
                type=spec.type,
                town=_term(Town, spec.town),
                credit_code=code,
                contact_name=spec.person,
                contact_phone=spec.phone,
                description=spec.description or None,
                tier=_term(EnterpriseTier, TIERS.get(spec.key)),
            )
            db.session.add(org)
            record("organization.created", org, actor=None, note="演示数据")
            report.created.append(spec.name)
        else:
            report.reused.append(spec.name)
        users[spec.key] = accounts.create_user(
            spec.email, DEMO_PASSWORD, spec.person, org, phone=spec.phone, actor=None
        )
    bureau = users.get("gxj") or next((u for u in users.values() if u.is_bureau), None)
    for spec in ORGS:
        user = users.get(spec.key)
        if user is None or bureau is None or spec.name not in report.created or user.organization.is_verified:
            continue
        if spec.verified or spec.type is OrgType.BUREAU:
            reason = None if spec.type is OrgType.BUREAU else "演示：已核验营业执照。"
            accounts.verify_organization(user.organization, actor=bureau, reason=reason)
    return users


def _create_posting(spec: DemoPosting, author: User, bureau: User, index: int) -> None:
    details = postings.PostingDetails(
        title=spec.title,
        description=spec.description,
        keywords=postings.split_keywords(spec.keywords),
        tech_field=_term(TechField, spec.field),
        cooperation_modes=list(spec.modes),
        budget=Decimal(spec.budget) if spec.budget is not None else None,
        valid_until=clock.today() + timedelta(days=180 + 10 * index),
        maturity=spec.maturity,
        ip_status=spec.ip,
        visibility=spec.visibility,
        confidential_detail=spec.confidential,
        contact_name=author.name,
        contact_phone=author.phone,
    )
    posting = postings.create_posting(spec.kind, details, actor=author)
    if spec.state == "draft":
        return
    postings.submit_posting(posting, actor=author)
    if spec.state == "returned":
        postings.return_posting(posting, RETURN_REASON, actor=bureau)
    elif spec.state in ("published", "closed"):
        postings.publish_posting(posting, actor=bureau)
        if spec.state == "closed":
            postings.close_posting(
                posting, CloseReason.SOLVED_ELSEWHERE, "已与外地检测机构签约。", actor=author
            )


def _create_pairing(spec: DemoPairing, users: dict[str, User], bureau: User) -> bool:
    """One demo pairing through the pipeline's services, as its people would have moved it."""
    by = users.get(spec.by)
    target = db.session.scalar(select(Posting).where(Posting.title == spec.target))
    own = db.session.scalar(select(Posting).where(Posting.title == spec.own)) if spec.own else None
    if by is None or target is None:
        return False
    answerer = db.session.scalars(
        select(User).where(User.organization_id == target.organization_id).order_by(User.id)
    ).first()
    if answerer is None:
        return False
    if spec.introduced and own is not None:
        pairing = pairings.introduce(target, own, spec.message, actor=bureau)
    else:
        pairing = pairings.express_interest(target, spec.message, actor=by, own_posting=own)
    if spec.state is PairingState.DECLINED:
        pairings.decline(pairing, spec.reason or DeclineReason.OTHER, spec.note, actor=answerer)
        return True
    if spec.state is PairingState.INTERESTED:
        return True
    pairings.accept(pairing, actor=answerer, share_confidential=True)
    for n, text in enumerate(spec.messages):
        pairings.post_message(pairing, text, actor=by if n % 2 else answerer)
    if spec.state is not PairingState.CONTACTED:
        pairings.advance(pairing, PairingState.NEGOTIATING, actor=by)
    if spec.state is PairingState.FAILED:  # 已签约 comes with its agreement (AGREEMENTS, pairing=…)
        pairings.advance(pairing, spec.state, spec.note, actor=answerer)
    return True


def _create_agreement(spec: DemoAgreement, users: dict[str, User], bureau: User) -> bool:
    """One demo agreement through the services, confirmed and verified as its status says."""
    recorder = users.get(spec.by)
    members = [users.get(key) for key in spec.parties]
    if recorder is None or any(m is None for m in members):
        return False
    parties = [
        agreements.PartyDetails(
            PartySide.BUYER if n == 0 and len(members) > 1 else PartySide.SELLER,
            m.organization.name,
            PartyType.of(m.organization.type),
            m.organization.credit_code,
            m.organization,
        )
        for n, m in enumerate(members)
        if m is not None
    ]
    if len(parties) == 1:
        parties[0].side = PartySide.BUYER
    pairing = None
    if spec.pairing:
        target = db.session.scalar(select(Posting).where(Posting.title == spec.pairing))
        pairing = db.session.scalar(select(Pairing).where(Pairing.target_id == target.id)) if target else None
    agreement = agreements.record_agreement(
        agreements.AgreementDetails(
            type=spec.type,
            title=spec.title,
            signed_on=spec.signed_on,
            parties=parties,
            contract_amount=Decimal(spec.amount) if spec.amount is not None else None,
            tech_amount=Decimal(spec.tech) if spec.tech is not None else None,
            registration=Registration.REGISTERED if spec.number else Registration.NOT_APPLIED,
            registration_number=spec.number,
            tech_field=_term(TechField, FIELD_OF.get(spec.parties[0])),  # the enterprise's field
        ),
        actor=recorder,
        pairing=pairing,
    )
    if spec.status != "recorded" and (confirmer_orgs := agreements.confirmers(agreement)):
        confirmer = next(m for m in members if m is not None and m.organization_id in confirmer_orgs)
        agreements.confirm_agreement(agreement, actor=confirmer)
    if spec.status in ("verified", "deleted"):
        agreements.verify_agreement(agreement, "演示：已核对合同扫描件。", actor=bureau)
    if spec.status == "returned":
        agreements.return_agreement(agreement, spec.note or "请补充材料。", actor=bureau)
    if spec.status == "deleted":
        agreements.delete_agreement(agreement, spec.note or "演示删除", actor=bureau)
    return True


# 回访: two pairings accepted three months ago (as if), so that their follow-up questions are out —
# one asked twenty days ago and answered by one side only (the other's is overdue), one asked today
# (both due; the enterprise already answered 已签约 and its agreement is then recorded from the
# pairing by AGREEMENTS, as the 登记协议 page the answer opens would).
FOLLOW_UPS = (
    (
        "数控机床主轴热变形补偿",
        20,
        ((False, FollowUpAnswer.NEGOTIATING, "价格和知识产权归属约定下月当面商谈。"),),
    ),
    (
        "箱式变电站温升在线监测与故障预警",
        0,
        ((True, FollowUpAnswer.SIGNED, "合同已双方盖章，正在登记协议。"),),
    ),
)


def _create_followups() -> None:
    """The demo's follow-ups, through the job's own operation (``ask_due``) on the day they fell due."""
    rounds = followups.months()
    if not rounds:
        return
    for title, days_ago, answers in FOLLOW_UPS:
        target = db.session.scalar(select(Posting).where(Posting.title == title))
        pairing = db.session.scalar(select(Pairing).where(Pairing.target_id == target.id)) if target else None
        if pairing is None or pairing.answered_at is None:
            continue
        asked_on = clock.today() - timedelta(days=days_ago)
        accepted = followups.add_months(asked_on, -rounds[0]) - timedelta(days=1)
        pairing.answered_at = clock.start_of(accepted) + timedelta(hours=10)
        db.session.flush()
        for followup in followups.ask_due(asked_on):
            for enterprise_side, given, note in answers:
                if followup.pairing_id != pairing.id or enterprise_side != (
                    followup.organization.type is OrgType.ENTERPRISE
                ):
                    continue
                answerer = db.session.scalars(
                    select(User).where(User.organization_id == followup.organization_id).order_by(User.id)
                ).first()
                if answerer is not None:
                    followups.answer(followup, given, note, actor=answerer)
    db.session.flush()


# 一企一册: how the demo enterprises climbed the tiers (the last step is their tier in TIERS),
# and the bureau's readings of their indicators (研发投入强度 %, Ⅰ类知识产权 件) at each year's end.
TIER_HISTORY = {
    "dianqi": [
        ("创新型中小企业", date(2023, 4, 20), "2023年度创新型中小企业名单"),
        ("省级专精特新中小企业", date(2024, 6, 12), "2024年度省级专精特新中小企业名单"),
    ],
    "shipin": [
        ("创新型中小企业", date(2023, 4, 20), "2023年度创新型中小企业名单"),
        ("市级专精特新中小企业", date(2024, 3, 18), "扬州市2024年度专精特新中小企业名单"),
    ],
    "cailiao": [
        ("创新型中小企业", date(2023, 4, 20), "2023年度创新型中小企业名单"),
        ("省级专精特新中小企业", date(2023, 11, 30), "2023年度省级专精特新中小企业名单"),
        ("国家级专精特新“小巨人”", date(2024, 8, 6), "第六批专精特新“小巨人”企业名单"),
    ],
    "jixie": [
        ("创新型中小企业", date(2023, 9, 8), "2023年度第二批创新型中小企业名单"),
        ("省级专精特新中小企业", date(2024, 12, 2), "2024年度省级专精特新中小企业名单"),
    ],
    "guangfu": [("创新型中小企业", date(2024, 5, 16), "2024年度创新型中小企业名单")],
}
READINGS = {  # key: [(研发投入强度, Ⅰ类知识产权, as of)]
    "dianqi": [("4.2", 3, date(2023, 12, 31)), ("4.8", 5, date(2024, 12, 31))],
    "shipin": [("2.1", 1, date(2023, 12, 31)), ("2.6", 2, date(2024, 12, 31))],
    "cailiao": [("5.9", 8, date(2023, 12, 31)), ("6.4", 11, date(2024, 12, 31))],
    "jixie": [("3.5", 2, date(2023, 12, 31)), ("3.9", 4, date(2024, 12, 31))],
    "guangfu": [("3.1", 1, date(2024, 12, 31))],
}


def _create_profiles(users: dict[str, User], bureau: User, report: DemoReport) -> int:
    """Tier history and indicator readings of the demo enterprises created just now, written by
    the bureau through the same service as the profile page; returns the enterprises done."""
    from matchmaker.profiles import operations as profiles
    from matchmaker.profiles.models import MeasureKind

    done = 0
    for key, steps in TIER_HISTORY.items():
        user = users.get(key)
        if user is None or user.organization.name not in report.created:
            continue
        org = user.organization
        for name, day, note in steps:
            profiles.change_tier(org, _term(EnterpriseTier, name), day, note, actor=bureau)
        for intensity, ip, day in READINGS.get(key, []):
            profiles.record_measure(org, MeasureKind.RD_INTENSITY, intensity, day, "企业年报", actor=bureau)
            profiles.record_measure(org, MeasureKind.CLASS1_IP, ip, day, "知识产权年报", actor=bureau)
        done += 1
    return done


CALL_NEED = "箱式变电站温升在线监测与故障预警"  # dianqi's R&D need the demo call is issued on
CALL_PROPOSALS = [  # (university key, approach, team, schedule, price 万元, scores per criterion by bureau, caller)
    (
        "daxue",
        "无线无源测温传感器贴装于母排接头，LoRa 汇聚到边缘网关，基于温升速率和负荷电流的双阈值模型预警，"
        "接入县电力物联网平台。",
        "电气工程学院教授1名、副教授2名、硕士生5名，承担过省电力公司在线监测项目。",
        "第1—3个月样机，第4—6个月试点变电站验证，第7—8个月定型。",
        "68",
        ([88, 80, 75, 70], [85, 78, 80, 72]),
    ),
    (
        "yanjiuyuan",
        "红外热成像与光纤测温结合，边缘端卷积网络识别接头过热形态，预警准确率目标95%。",
        "研究所智能传感团队6人，有红外检测装置产品化经验。",
        "第1—4个月样机，第5—9个月试点验证。",
        "75",
        ([82, 76, 70, 62], [80, 72, 68, 60]),
    ),
]


def _create_call(users: dict[str, User], bureau: User) -> bool:
    """A 揭榜挂帅 call from a demo enterprise's R&D need whose deadline has passed, with two
    universities' proposals scored by the bureau and the enterprise and waiting for the selection
    (揭榜), so 评审 and 揭榜 can be tried on first start; through the same services as the pages."""
    from matchmaker.calls import operations as calls

    caller = users.get("dianqi")
    need = db.session.scalar(select(Posting).where(Posting.title == CALL_NEED))
    if caller is None or need is None or need.organization_id != caller.organization_id:
        return False
    call = calls.create_call(
        calls.CallDetails(
            title="箱变接头过热在线监测技术揭榜",
            problem="箱式变电站接头过热靠温控器事后报警，需要可提前预警的在线监测技术：测温精度±1℃，"
            "预警准确率90%以上，可接入县电力物联网平台。",
            deliverables="在线监测系统样机一套，在2座试点箱变连续运行3个月，出具第三方检测报告。",
            budget=Decimal(80),
            deadline=clock.today() + timedelta(days=30),
            eligibility="江苏省内高校院所，具有电力设备状态监测研究基础。",
            needs=[need],
            criteria=[
                ("技术方案先进性与可行性", 40),
                ("团队实力与相关成果", 25),
                ("进度安排", 15),
                ("报价合理性", 20),
            ],
        ),
        actor=bureau,
    )
    marks: list[tuple[Any, tuple[list[int], list[int]]]] = []
    for key, approach, team, schedule, price, by_each in CALL_PROPOSALS:
        author = users.get(key)
        if author is None or not author.organization.is_verified:
            continue
        proposal = calls.submit_proposal(
            call, calls.ProposalDetails(approach, team, schedule, Decimal(price)), actor=author
        )
        marks.append((proposal, by_each))
    # The proposals came in before the deadline, which passed two days ago: scoring is open now
    # (never before it, while proposers could still change them), and the selection waits.
    call.deadline = clock.today() - timedelta(days=2)
    for proposal, (by_bureau, by_caller) in marks:
        for reviewer, values in ((bureau, by_bureau), (caller, by_caller)):
            calls.score(
                proposal, {c.id: v for c, v in zip(call.criteria, values, strict=True)}, actor=reviewer
            )
    return True


def _create_events(users: dict[str, User], bureau: User) -> int:
    """A visit to the university held a month ago — registrations, a schedule built from meeting
    requests, outcomes with a pairing — and a supply-chain meeting open for registration, with
    invitations: through the same services as the pages."""
    from matchmaker.events import operations as events
    from matchmaker.events import scheduling
    from matchmaker.events.models import EventKind, MeetingOutcome
    from matchmaker.pairings import operations as pairings
    from matchmaker.pairings.values import PairingState

    host, today = users.get("daxue"), clock.today()
    if host is None or not host.organization.is_verified:
        return 0

    def own(key: str, title: str) -> list[Posting]:
        user = users.get(key)
        found = db.session.scalar(select(Posting).where(Posting.title == title))
        return (
            [found]
            if user is not None and found is not None and found.organization_id == user.organization_id
            else []
        )

    visit = events.create_event(
        events.EventDetails(
            title="走进江淮理工大学：电力装备与智能制造专题拜访",
            kind=EventKind.VISIT,
            held_on=today + timedelta(days=1),
            registration_deadline=today + timedelta(days=1),
            organisers="宝应县科学技术局、宝应县工业和信息化局",
            place="江淮理工大学技术转移中心二楼报告厅",
            description="参观电力设备状态监测、机床热误差补偿两个实验室，随后一对一洽谈。",
            host=host.organization,
            slot_count=4,
            tables=3,
        ),
        actor=bureau,
    )
    brought = {
        "dianqi": own("dianqi", CALL_NEED),
        "jixie": own("jixie", "数控机床主轴热变形补偿"),
        "cailiao": own("cailiao", "锂电池隔膜陶瓷涂覆均匀性提升"),
        "daxue": own("daxue", "基于无线测温的电力设备状态监测系统")
        + own("daxue", "机床热误差建模与补偿技术")
        + own("daxue", "高速涂布在线面密度检测与闭环控制"),
    }
    registered = [k for k in brought if users.get(k) is not None and users[k].organization.is_verified]
    for key in registered:
        events.register(visit, actor=users[key], postings=brought[key], attendees=users[key].name)
    if len(registered) < 2:
        return 1
    for key in (k for k in registered if k != "daxue"):
        events.request_meeting(visit, host.organization_id, actor=users[key], note="参观后详谈技术路线")
    parties = {
        r.organization_id: events.Party(r.organization_id, r.organization.name)
        for r in visit.active_registrations
    }
    wanted = [
        scheduling.Wanted(parties[users[k].organization_id], parties[host.organization_id], True, 60)
        for k in registered
        if k != "daxue"
    ]
    events.build_schedule(visit, wanted, actor=bureau)
    visit.held_on = visit.registration_deadline = today - timedelta(days=30)  # it took place a month ago
    events.mark_held(visit, actor=bureau)
    org_of = {u.organization_id: key for key, u in users.items() if u is not None}
    for meeting in list(visit.meetings):
        other = org_of.get(meeting.other(host.organization_id).id)
        basis = [  # a need and an outcome the two had not paired on, or only expressed interest
            (t, o)
            for t, o in events.postings_for_pairing(meeting)
            if (p := pairings.existing(t, o.organization_id)) is None or p.state is PairingState.INTERESTED
        ]
        if other == "cailiao" and basis:
            note = "约定两周内到企业现场测试涂覆在线检测"
            events.record_outcome(meeting, MeetingOutcome.PAIRED, actor=bureau, note=note, postings=basis[0])
        elif other == "jixie":
            events.record_outcome(meeting, MeetingOutcome.MISSED, actor=bureau, note="企业当天临时有事")
        else:
            events.record_outcome(meeting, MeetingOutcome.HELD, actor=bureau, note="已交换技术资料")

    supply = events.create_event(
        events.EventDetails(
            title="宝应县电力装备产业链配套对接会",
            kind=EventKind.SUPPLY,
            held_on=today + timedelta(days=21),
            registration_deadline=today + timedelta(days=14),
            organisers="宝应县工业和信息化局",
            place="宝应县科技创新中心一楼会议室",
            description="围绕箱式变电站、开关柜产业链，本地配套企业与高校院所一对一洽谈。",
            capacity=40,
        ),
        actor=bureau,
    )
    for key in ("jixie", "yanjiuyuan"):
        if key in users and users[key].organization.is_verified:
            events.register(supply, actor=users[key], attendees=users[key].name)
    for key in ("dianqi", "daxue", "nongke"):
        if key in users and users[key].organization.is_verified:
            events.invite(supply, users[key].organization, actor=bureau, reason="产业链重点企业、高校院所")
    return 2


def logins() -> list[tuple[str, str]]:
    """(e-mail, description) of the demo accounts, for the command's output."""
    return [
        (spec.email, f"{spec.type.label} · {spec.name}" + ("" if spec.verified else "（待认证）"))
        for spec in ORGS
    ]


def load_demo_data() -> DemoReport:
    """Create what is missing of the demo set, leaving existing data alone; safe to repeat."""
    report = DemoReport()
    users = _create_orgs(report)
    bureau = users.get("gxj")
    if bureau is None or not bureau.is_bureau:
        return report
    for index, spec in enumerate(POSTINGS):
        author = users.get(spec.org)
        if author is not None and author.organization.name in report.created:
            _create_posting(spec, author, bureau, index)
            report.postings += 1
    if report.postings:  # a living pipeline, only beside the demo postings written just now
        for pairing in PAIRINGS:
            report.pairings += _create_pairing(pairing, users, bureau)
        _create_followups()
        users.setdefault("kjj", bureau)
        for deal in AGREEMENTS:
            report.agreements += _create_agreement(deal, users, bureau)
    _create_profiles(users, bureau, report)
    if report.postings:
        report.calls = int(_create_call(users, bureau))
        report.events = _create_events(users, bureau)
        report.visits = _create_visits(users, bureau)
        brokered = _create_brokered_agreement(users, bureau)
        report.pairings += brokered
        report.agreements += brokered
        report.subscriptions = _create_subscriptions(users, report)
    report.plan = _create_plan(bureau)
    return report


def _create_visits(users: dict[str, User], bureau: User) -> int:
    """Two specialists — a 技术经纪人 of the demo 技术转移服务机构 and a 科技镇长团 member from the
    university — each serving two enterprises, with a visit each: one need confirmed by its
    enterprise (now in review), one refused with the reason; a diagnosis on a published need."""
    from matchmaker.specialists import operations as specialists
    from matchmaker.specialists.values import Grade, SpecialistKind

    needed = ("zhongxin", "daxue", "jixie", "shipin", "cailiao", "dianqi")
    if any(key not in users for key in needed):
        return 0
    broker = specialists.appoint(
        users["zhongxin"], SpecialistKind.BROKER, "扬州科创技术经纪人团队", actor=bureau
    )
    mayor = specialists.appoint(
        users["daxue"], SpecialistKind.MAYOR_TEAM, "第十六批科技镇长团宝应分团", actor=bureau
    )
    for specialist, keys in ((broker, ("jixie", "cailiao")), (mayor, ("shipin", "dianqi"))):
        for key in keys:
            specialists.assign(specialist, users[key].organization, actor=bureau)
    visits = [
        (
            "zhongxin",
            "jixie",
            "孙主任（生产技术部）",
            "企业五轴加工中心换刀频繁，刀具磨损靠经验判断，废品率约3%；希望引入在线监测。已约定下月再访。",
            "五轴加工中心刀具磨损在线监测",
            "五轴加工中心加工钛合金件时刀具磨损快，需要基于主轴电流和振动信号的刀具磨损在线监测与预警，"
            "目标将废品率从3%降到1%以下。",
        ),
        (
            "daxue",
            "shipin",
            "周厂长",
            "了解藕粉生产线情况，企业提到速溶性不稳定；另询问了荷叶提取物的合作意向。",
            "速溶藕粉结块问题攻关",
            "速溶藕粉冲调时易结块、溶解慢，希望改进造粒与干燥工艺，提高冲调性能并保持藕香风味。",
        ),
    ]
    made = []
    for specialist_key, enterprise_key, met, notes, title, description in visits:
        need = specialists.FoundNeed(
            PostingKind.RD_NEED, postings.PostingDetails(title=title, description=description)
        )
        visit = specialists.record_visit(
            users[enterprise_key].organization,
            clock.today() - timedelta(days=10),
            met,
            notes,
            [need],
            actor=users[specialist_key],
        )
        made.append(visit.postings[0])
    specialists.confirm(made[0], actor=users["jixie"])
    specialists.refuse(made[1], "该问题已通过设备改造解决，暂不需要对外发布。", actor=users["shipin"])
    published = db.session.scalars(
        select(Posting)
        .where(
            Posting.organization_id == users["cailiao"].organization_id,
            Posting.status == PostingStatus.PUBLISHED,
        )
        .order_by(Posting.id)
    ).first()
    if published is not None and published.kind.is_need:
        specialists.diagnose(
            published, Grade.READY, note="需求明确，指标清楚，可直接对接。", actor=users["zhongxin"]
        )
    return len(made)


# 居间: the 技术经纪人 introduces the university's coating outcome to a need of an enterprise it
# serves; the enterprise accepts, they sign, and the agreement recorded from the pairing is
# confirmed and verified — so 人员业绩 shows the broker with one verified agreement and its 技术交易额.
BROKERED = (
    "固态电池用复合电解质膜制备",
    "高速涂布在线面密度检测与闭环控制",
    "贵司复合电解质膜的中试需要稳定的涂布成膜工艺，江淮理工大学的面密度在线检测与闭环控制技术可以配套，"
    "建议双方就涂布工艺开发洽谈。",
    "复合电解质膜涂布工艺技术开发合同",
)


def _create_brokered_agreement(users: dict[str, User], bureau: User) -> int:
    """The demo broker's pairing (after ``_create_visits`` appointed it), through the same
    operations as the pages: introduced, accepted, negotiated, recorded, confirmed, verified."""
    from matchmaker.specialists import operations as specialists

    need_title, outcome_title, message, title = BROKERED
    broker, enterprise, university = users.get("zhongxin"), users.get("cailiao"), users.get("daxue")
    need = db.session.scalar(select(Posting).where(Posting.title == need_title))
    outcome = db.session.scalar(select(Posting).where(Posting.title == outcome_title))
    if broker is None or enterprise is None or university is None or need is None or outcome is None:
        return 0
    if need.status is not PostingStatus.PUBLISHED or outcome.status is not PostingStatus.PUBLISHED:
        return 0
    if not policy.may(broker, "pairing.broker", need):  # no specialists (_create_visits skipped them)
        return 0
    pairing = specialists.broker(need, outcome, message, actor=broker)
    pairings.accept(pairing, actor=enterprise, share_confidential=True)
    pairings.post_message(pairing, "欢迎来厂里看看中试线，我们想先做小批量涂布验证。", actor=enterprise)
    pairings.advance(pairing, PairingState.NEGOTIATING, actor=university)
    agreement = agreements.record_agreement(
        agreements.AgreementDetails(
            type=AgreementType.TECH_DEV_COMMISSIONED,
            title=title,
            signed_on=clock.today(),
            parties=agreements.parties_of_pairing(pairing),
            contract_amount=Decimal(60),
            tech_amount=Decimal(55),
            registration=Registration.NOT_APPLIED,
            tech_field=need.tech_field,
        ),
        actor=enterprise,
        pairing=pairing,
    )
    agreements.confirm_agreement(agreement, actor=university)
    agreements.verify_agreement(agreement, "演示：已核对合同扫描件，经纪人居间。", actor=bureau)
    return 1


# 订阅推送: a university hears weekly of new needs proposed for its outcomes, an enterprise daily
# of new research outcomes on 检测 (both created through the same checks as the pages').
DEMO_SUBSCRIPTIONS = (
    ("daxue", "成果的新需求推荐", Basis.PROPOSALS, Frequency.WEEKLY, None, None, 30),
    ("dianqi", "检测相关的新成果", Basis.SEARCH, Frequency.DAILY, "检测", PostingKind.RESEARCH_OUTCOME, None),
)


def _create_subscriptions(users: dict[str, User], report: DemoReport) -> int:
    made = 0
    for key, name, basis, frequency, query, kind, strength in DEMO_SUBSCRIPTIONS:
        user = users.get(key)
        if user is None:
            continue
        details = subscriptions.Details(name, basis, frequency, query=query, kind=kind, min_strength=strength)
        try:
            with db.session.begin_nested():
                subscriptions.create(details, actor=user, refuse_floods=False)  # narrow by design
        except (FieldError, search.SearchUnavailable) as error:
            report.skipped.append(f"订阅“{name}”：{error}")
            continue
        made += 1
    return made


# The plan after 2023–2025 is the county's to decide; the demo's stands in for it, marked 演示, so
# the dashboard and the pool open on a plan in force (three years from today's, targets invented).
DEMO_PLAN_TARGETS = {
    "iur_agreements": (12, 36),
    "tech_transfer": (6, 15),
    "new_products": (4, 12),
    "innovation_plans": (2, None),
}


def _create_plan(bureau: User) -> str | None:
    """A demo plan covering today's year, unless a plan in force covers it already."""
    today = clock.today()
    if counting.plan_in_force(today) is not None:
        return None
    first, last = today.year, today.year + 2
    plan = plan_service.create_plan(
        plan_service.PlanDetails(
            name=f"【演示】宝应县专精特新企业培育行动计划（{first}—{last}年）",
            start_year=first,
            end_year=last,
            bureaus="县工信局、县科技局",
            demo=True,
        ),
        actor=bureau,
    )
    for code, (yearly, whole) in DEMO_PLAN_TARGETS.items():
        indicator = db.session.get(Indicator, code)
        if indicator is None:
            continue
        for year in plan.years:
            plan_service.set_target(plan, indicator, str(year), yearly, actor=bureau)
        if whole is not None:
            plan_service.set_target(plan, indicator, plan.period, whole, actor=bureau)
    return plan.name
